// AVX2 building blocks of paged attention's per-token (decode) path: dot products of one query
// with a page's keys (8 keys per horizontal reduction), the online-softmax exponentials, and the
// value accumulation in register blocks. Included only by files under cpu/avx2/; internal linkage
// (static inline) so no out-of-line AVX2 copy can be merged into portable code.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "cpu/avx2/vec_math.h"

namespace sieve::cpu::avx2::attn {

static inline float dot(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t d = 0;
  for (; d + 16 <= n; d += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + d), _mm256_loadu_ps(b + d), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + d + 8), _mm256_loadu_ps(b + d + 8), s1);
  }
  for (; d + 8 <= n; d += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + d), _mm256_loadu_ps(b + d), s0);
  if (d < n) {
    const __m256i m = vec::tail_mask(n - d);
    s1 = _mm256_fmadd_ps(vec::load_tail(a + d, m), vec::load_tail(b + d, m), s1);
  }
  return vec::hsum(_mm256_add_ps(s0, s1));
}

// Lane r of the result is the sum of the 8 lanes of a[r]: one reduction for 8 dot products
// instead of a horizontal sum per dot.
static inline __m256 hsum8(const __m256* a) {
  const __m256 t0 = _mm256_hadd_ps(a[0], a[1]), t1 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 t2 = _mm256_hadd_ps(a[4], a[5]), t3 = _mm256_hadd_ps(a[6], a[7]);
  const __m256 u0 = _mm256_hadd_ps(t0, t1);  // sums of rows 0-3: low halves, then high halves
  const __m256 u1 = _mm256_hadd_ps(t2, t3);  // rows 4-7
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// q . k_r for 8 key rows (k + r * stride), as one vector.
static inline __m256 dot8(const float* q, const float* k, int64_t stride, int64_t n) {
  __m256 acc[8];
  for (int r = 0; r < 8; ++r) acc[r] = _mm256_setzero_ps();
  int64_t d = 0;
  for (; d + 8 <= n; d += 8) {
    const __m256 qv = _mm256_loadu_ps(q + d);
    for (int r = 0; r < 8; ++r) acc[r] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + r * stride + d), acc[r]);
  }
  if (d < n) {
    const __m256i m = vec::tail_mask(n - d);
    const __m256 qv = vec::load_tail(q + d, m);
    for (int r = 0; r < 8; ++r) acc[r] = _mm256_fmadd_ps(qv, vec::load_tail(k + r * stride + d, m), acc[r]);
  }
  return hsum8(acc);
}

// s[j] = scale * (q . k_j) for the n keys of a page, 8 at a time.
static inline void page_scores(float* s, const float* q, const float* k, int64_t stride, int64_t n, int64_t hd, float scale) {
  const __m256 sv = _mm256_set1_ps(scale);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(sv, dot8(q, k + j * stride, stride, hd)));
  for (; j < n; ++j) s[j] = dot(q, k + j * stride, hd) * scale;
}

// acc = acc * alpha + sum_j p[j] v_j over the n value rows of a page (v + j * stride). Columns go
// in blocks of 32 held in registers across all rows, so acc is loaded and stored once per page.
static inline void page_values(float* acc, float alpha, const float* p, const float* v, int64_t stride, int64_t n, int64_t hd) {
  const __m256 av = _mm256_set1_ps(alpha);
  int64_t c = 0;
  for (; c + 32 <= hd; c += 32) {
    __m256 a0 = _mm256_mul_ps(av, _mm256_loadu_ps(acc + c)), a1 = _mm256_mul_ps(av, _mm256_loadu_ps(acc + c + 8));
    __m256 a2 = _mm256_mul_ps(av, _mm256_loadu_ps(acc + c + 16)), a3 = _mm256_mul_ps(av, _mm256_loadu_ps(acc + c + 24));
    for (int64_t j = 0; j < n; ++j) {
      const __m256 w = _mm256_broadcast_ss(p + j);
      const float* vj = v + j * stride + c;
      a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj), a0);
      a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 8), a1);
      a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 16), a2);
      a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(vj + 24), a3);
    }
    _mm256_storeu_ps(acc + c, a0);
    _mm256_storeu_ps(acc + c + 8, a1);
    _mm256_storeu_ps(acc + c + 16, a2);
    _mm256_storeu_ps(acc + c + 24, a3);
  }
  for (; c < hd; c += 8) {  // the last < 32 columns, 8 (or a masked tail) at a time
    const __m256i m = vec::tail_mask(hd - c);
    __m256 a = _mm256_mul_ps(av, vec::load_tail(acc + c, m));
    for (int64_t j = 0; j < n; ++j) a = _mm256_fmadd_ps(_mm256_broadcast_ss(p + j), vec::load_tail(v + j * stride + c, m), a);
    vec::store_tail(acc + c, m, a);
  }
}

// out = in * s (out is only written, so stale NaNs in it cannot leak in).
static inline void scale_to(float* out, const float* in, float s, int64_t n) {
  const __m256 sv = _mm256_set1_ps(s);
  int64_t d = 0;
  for (; d + 8 <= n; d += 8) _mm256_storeu_ps(out + d, _mm256_mul_ps(sv, _mm256_loadu_ps(in + d)));
  if (d < n) {
    const __m256i m = vec::tail_mask(n - d);
    vec::store_tail(out + d, m, _mm256_mul_ps(sv, vec::load_tail(in + d, m)));
  }
}

// s[j] = e^(s[j] - shift) for j < n; returns their sum.
static inline float exp_shift_sum(float* s, int64_t n, float shift) {
  const __m256 sh = _mm256_set1_ps(shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 e = vec::exp(_mm256_sub_ps(_mm256_loadu_ps(s + j), sh));
    _mm256_storeu_ps(s + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (j < n) {
    const __m256i m = vec::tail_mask(n - j);
    const __m256 e = _mm256_and_ps(vec::exp(_mm256_sub_ps(vec::load_tail(s + j, m), sh)), _mm256_castsi256_ps(m));
    vec::store_tail(s + j, m, e);
    acc = _mm256_add_ps(acc, e);
  }
  return vec::hsum(acc);
}

}  // namespace sieve::cpu::avx2::attn
