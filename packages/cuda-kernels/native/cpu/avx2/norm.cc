// AVX2 row normalisations (RMSNorm, LayerNorm). Each row's statistics are reduced with several
// independent accumulators before any of its outputs is written, so out may alias x; rows are
// spread across the thread pool.
#include <immintrin.h>

#include <cmath>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// Rows per chunk so that a chunk holds at least ~16K elements.
inline int64_t row_grain(int64_t dim) { return dim >= (1 << 14) ? 1 : (1 << 14) / (dim > 0 ? dim : 1); }

// sum_j (x[j] - center)^2.
inline float sum_sq(const float* x, int64_t n, float center) {
  const __m256 c = _mm256_set1_ps(center);
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + j), c);
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 8), c);
    const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 16), c);
    const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 24), c);
    a0 = _mm256_fmadd_ps(d0, d0, a0);
    a1 = _mm256_fmadd_ps(d1, d1, a1);
    a2 = _mm256_fmadd_ps(d2, d2, a2);
    a3 = _mm256_fmadd_ps(d3, d3, a3);
  }
  for (; j + 8 <= n; j += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), c);
    a0 = _mm256_fmadd_ps(d, d, a0);
  }
  if (j < n) {
    const __m256i mask = vec::tail_mask(n - j);
    // Masked-out lanes load 0; and-ing the difference with the mask keeps them at 0.
    const __m256 d = _mm256_and_ps(_mm256_sub_ps(vec::load_tail(x + j, mask), c), _mm256_castsi256_ps(mask));
    a1 = _mm256_fmadd_ps(d, d, a1);
  }
  return vec::hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

inline float sum(const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + j));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + j + 8));
  }
  for (; j + 8 <= n; j += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + j));
  if (j < n) a1 = _mm256_add_ps(a1, vec::load_tail(x + j, vec::tail_mask(n - j)));
  return vec::hsum(_mm256_add_ps(a0, a1));
}

// out[j] = (x[j] - center) * inv * weight[j] (+ bias[j] when bias is not null).
inline void normalize_row(float* out, const float* x, const float* weight, const float* bias, int64_t n, float center,
                          float inv) {
  const __m256 c = _mm256_set1_ps(center);
  const __m256 s = _mm256_set1_ps(inv);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), c), s), _mm256_loadu_ps(weight + j));
    if (bias) y = _mm256_add_ps(y, _mm256_loadu_ps(bias + j));
    _mm256_storeu_ps(out + j, y);
  }
  if (j < n) {
    const __m256i mask = vec::tail_mask(n - j);
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(vec::load_tail(x + j, mask), c), s), vec::load_tail(weight + j, mask));
    if (bias) y = _mm256_add_ps(y, vec::load_tail(bias + j, mask));
    vec::store_tail(out + j, mask, y);
  }
}

}  // namespace

void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps) {
  if (dim <= 0) return;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * dim;
      const float ms = sum_sq(xr, dim, 0.0f) / static_cast<float>(dim);
      const float inv = 1.0f / std::sqrt(ms + eps);
      normalize_row(out + r * dim, xr, weight, nullptr, dim, 0.0f, inv);
    }
  };
  sieve::detail::parallel_for_each(rows, row_grain(dim), body);
}

void layer_norm(float* out, const float* x, const float* weight, const float* bias, int64_t rows, int64_t dim,
                float eps) {
  if (dim <= 0) return;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * dim;
      // Two passes (mean, then squared deviations) instead of E[x^2] - E[x]^2, which cancels
      // badly when the mean is large compared with the spread.
      const float mean = sum(xr, dim) / static_cast<float>(dim);
      const float var = sum_sq(xr, dim, mean) / static_cast<float>(dim);
      const float inv = 1.0f / std::sqrt(var + eps);
      normalize_row(out + r * dim, xr, weight, bias, dim, mean, inv);
    }
  };
  sieve::detail::parallel_for_each(rows, row_grain(dim), body);
}

}  // namespace sieve::cpu::avx2
