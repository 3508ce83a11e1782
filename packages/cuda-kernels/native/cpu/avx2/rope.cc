// AVX2 rotary position embedding. Each row's cos/sin table is computed once (in double, see
// rope_angles.h) and applied to all its heads 8 lanes at a time.
#include <immintrin.h>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "cpu/rope_angles.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// Half style: pair i is (i, i + n_freq), so the two halves are separate contiguous runs.
void rotate_half(float* head, const float* c, const float* s, int64_t n_freq) {
  float* lo = head;
  float* hi = head + n_freq;
  int64_t i = 0;
  for (; i + 8 <= n_freq; i += 8) {
    const __m256 a = _mm256_loadu_ps(lo + i), b = _mm256_loadu_ps(hi + i);
    const __m256 cv = _mm256_loadu_ps(c + i), sv = _mm256_loadu_ps(s + i);
    _mm256_storeu_ps(lo + i, _mm256_fmsub_ps(a, cv, _mm256_mul_ps(b, sv)));
    _mm256_storeu_ps(hi + i, _mm256_fmadd_ps(a, sv, _mm256_mul_ps(b, cv)));
  }
  if (i < n_freq) {
    const __m256i m = vec::tail_mask(n_freq - i);
    const __m256 a = vec::load_tail(lo + i, m), b = vec::load_tail(hi + i, m);
    const __m256 cv = vec::load_tail(c + i, m), sv = vec::load_tail(s + i, m);
    vec::store_tail(lo + i, m, _mm256_fmsub_ps(a, cv, _mm256_mul_ps(b, sv)));
    vec::store_tail(hi + i, m, _mm256_fmadd_ps(a, sv, _mm256_mul_ps(b, cv)));
  }
}

// Interleaved style: pair i is (2i, 2i + 1). With cos duplicated per pair (c2) and sin signed per
// pair (s2 = -s, +s), out = x * c2 + swap_adjacent(x) * s2.
void rotate_interleaved(float* head, const float* c2, const float* s2, int64_t width) {
  int64_t j = 0;
  for (; j + 8 <= width; j += 8) {
    const __m256 x = _mm256_loadu_ps(head + j);
    const __m256 swapped = _mm256_permute_ps(x, 0xB1);
    _mm256_storeu_ps(head + j, _mm256_fmadd_ps(x, _mm256_loadu_ps(c2 + j), _mm256_mul_ps(swapped, _mm256_loadu_ps(s2 + j))));
  }
  if (j < width) {  // width is even, so a tail holds whole pairs
    const __m256i m = vec::tail_mask(width - j);
    const __m256 x = vec::load_tail(head + j, m);
    const __m256 swapped = _mm256_permute_ps(x, 0xB1);
    vec::store_tail(head + j, m, _mm256_fmadd_ps(x, vec::load_tail(c2 + j, m), _mm256_mul_ps(swapped, vec::load_tail(s2 + j, m))));
  }
}

}  // namespace

void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim, const float* inv_freq,
          int64_t n_freq, RopeStyle style) {
  if (n_freq <= 0 || rows <= 0 || n_heads <= 0) return;
  const int64_t row_elems = n_heads * head_dim;
  const int64_t grain = row_elems >= 4096 ? 1 : 4096 / row_elems;
  auto body = [&](int64_t begin, int64_t end) {
    // cos, sin, then the pair-expanded cos and signed sin for the interleaved style.
    float* table = new float[6 * n_freq];
    float* c = table;
    float* s = table + n_freq;
    float* c2 = table + 2 * n_freq;
    float* s2 = table + 4 * n_freq;
    for (int64_t r = begin; r < end; ++r) {
      rope_angles(positions[r], inv_freq, n_freq, c, s);
      float* row = x + r * row_elems;
      if (style == RopeStyle::Half) {
        for (int64_t h = 0; h < n_heads; ++h) rotate_half(row + h * head_dim, c, s, n_freq);
      } else {
        for (int64_t i = 0; i < n_freq; ++i) {
          c2[2 * i] = c[i];
          c2[2 * i + 1] = c[i];
          s2[2 * i] = -s[i];
          s2[2 * i + 1] = s[i];
        }
        for (int64_t h = 0; h < n_heads; ++h) rotate_interleaved(row + h * head_dim, c2, s2, 2 * n_freq);
      }
    }
    delete[] table;
  };
  sieve::detail::parallel_for_each(rows, grain, body);
}

}  // namespace sieve::cpu::avx2
