// AVX2 paged attention: the portable kernel's algorithm (online softmax over pages, the query
// heads of a GQA group sharing each key/value load; see portable/attention.cc), vectorised:
//  - scores 8 keys at a time, with one horizontal reduction per 8 dot products;
//  - exponentials 8 at a time (vec::exp);
//  - values accumulated in 32-column register blocks across a whole page, so the accumulator is
//    loaded, rescaled and stored once per page rather than once per key.
// Slot writes are memcpy-bound and run the portable kernel.
#include <immintrin.h>

#include <cmath>

#include "cpu/attention_plan.h"
#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {

void paged_kv_write(const PagedKvWriteParams& p) { portable::paged_kv_write(p); }

namespace {

inline float dot(const float* a, const float* b, int64_t n) {
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
inline __m256 hsum8(const __m256* a) {
  const __m256 t0 = _mm256_hadd_ps(a[0], a[1]), t1 = _mm256_hadd_ps(a[2], a[3]);
  const __m256 t2 = _mm256_hadd_ps(a[4], a[5]), t3 = _mm256_hadd_ps(a[6], a[7]);
  const __m256 u0 = _mm256_hadd_ps(t0, t1);  // sums of rows 0-3: low halves, then high halves
  const __m256 u1 = _mm256_hadd_ps(t2, t3);  // rows 4-7
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// q . k_r for 8 key rows (k + r * stride), as one vector.
inline __m256 dot8(const float* q, const float* k, int64_t stride, int64_t n) {
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
inline void page_scores(float* s, const float* q, const float* k, int64_t stride, int64_t n, int64_t hd, float scale) {
  const __m256 sv = _mm256_set1_ps(scale);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(sv, dot8(q, k + j * stride, stride, hd)));
  for (; j < n; ++j) s[j] = dot(q, k + j * stride, hd) * scale;
}

// acc = acc * alpha + sum_j p[j] v_j over the n value rows of a page (v + j * stride). Columns go
// in blocks of 32 held in registers across all rows, so acc is loaded and stored once per page.
inline void page_values(float* acc, float alpha, const float* p, const float* v, int64_t stride, int64_t n, int64_t hd) {
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
inline void scale_to(float* out, const float* in, float s, int64_t n) {
  const __m256 sv = _mm256_set1_ps(s);
  int64_t d = 0;
  for (; d + 8 <= n; d += 8) _mm256_storeu_ps(out + d, _mm256_mul_ps(sv, _mm256_loadu_ps(in + d)));
  if (d < n) {
    const __m256i m = vec::tail_mask(n - d);
    vec::store_tail(out + d, m, _mm256_mul_ps(sv, vec::load_tail(in + d, m)));
  }
}

// s[j] = e^(s[j] - shift) for j < n; returns their sum.
inline float exp_shift_sum(float* s, int64_t n, float shift) {
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

// Per-thread scratch, one allocation: scores [group, pageSize], acc [group, headDim], and the
// running max and sum per query head.
struct Scratch {
  float* mem;
  float* scores;
  float* acc;
  float* max;
  float* sum;
  Scratch(int64_t group, int64_t page_size, int64_t head_dim)
      : mem(new float[group * (page_size + head_dim + 2)]),
        scores(mem),
        acc(scores + group * page_size),
        max(acc + group * head_dim),
        sum(max + group) {}
  ~Scratch() { delete[] mem; }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

void attend_item(const PagedAttentionParams& p, int64_t t, int64_t kvh, Scratch& st) {
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t hd = p.head_dim;
  const int64_t ps = p.page_size;
  const int64_t kv_row = p.n_kv_heads * hd;
  const int64_t len = static_cast<int64_t>(p.token_pos[t]) + 1;
  const int32_t* pages = p.block_table + static_cast<int64_t>(p.token_seq[t]) * p.max_pages_per_seq;
  const float* q = p.q + (t * p.n_heads + kvh * group) * hd;

  for (int64_t i = 0; i < group * hd; ++i) st.acc[i] = 0.0f;
  for (int64_t g = 0; g < group; ++g) {
    st.max[g] = -__builtin_inff();
    st.sum[g] = 0.0f;
  }

  for (int64_t first = 0, page = 0; first < len; first += ps, ++page) {
    const int64_t n = len - first < ps ? len - first : ps;
    const int64_t base = static_cast<int64_t>(pages[page]) * ps * kv_row + kvh * hd;
    const float* k = p.k_pool + base;
    const float* v = p.v_pool + base;
    for (int64_t g = 0; g < group; ++g) {
      // The page's keys (a few KB) stay in L1 while the group's heads take their turns.
      float* s = st.scores + g * ps;
      page_scores(s, q + g * hd, k, kv_row, n, hd, p.scale);
      float page_max = s[0];
      for (int64_t j = 1; j < n; ++j) page_max = s[j] > page_max ? s[j] : page_max;
      // Online softmax: move the running maximum and rescale what was accumulated under the old one.
      const float new_max = page_max > st.max[g] ? page_max : st.max[g];
      const float alpha = std::exp(st.max[g] - new_max);
      st.max[g] = new_max;
      st.sum[g] = st.sum[g] * alpha + exp_shift_sum(s, n, new_max);
      page_values(st.acc + g * hd, alpha, s, v, kv_row, n, hd);
    }
  }
  for (int64_t g = 0; g < group; ++g) {
    float* out = p.out + (t * p.n_heads + kvh * group + g) * hd;
    scale_to(out, st.acc + g * hd, 1.0f / st.sum[g], hd);
  }
}

}  // namespace

// Block-table entries, positions and sequence ids were range-checked by the caller (the binding).
void paged_attention(const PagedAttentionParams& p) {
  const int64_t items = p.num_tokens * p.n_kv_heads;
  if (items <= 0 || p.n_heads <= 0 || p.head_dim <= 0) return;
  const int64_t group = p.n_heads / p.n_kv_heads;
  const detail::AttentionSplit split = detail::split_attention_items(p.token_pos, p.num_tokens, p.n_kv_heads, num_threads());
  auto body = [&](int64_t begin, int64_t end) {
    Scratch st(group, p.page_size, p.head_dim);
    for (int64_t part = begin; part < end; ++part) {
      for (int64_t item = split.bounds[part]; item < split.bounds[part + 1]; ++item) {
        attend_item(p, item / p.n_kv_heads, item % p.n_kv_heads, st);
      }
    }
  };
  sieve::detail::parallel_for_each(split.parts, 1, body);
}

}  // namespace sieve::cpu::avx2
