// AVX2 softmax and log-softmax over rows, stabilised by the row maximum. Softmax writes the
// exponentials while summing them and rescales afterwards (two passes over x, one over out);
// sums are blocked into double (vec::row_sum_exp); rows are spread across the thread pool.
#include <immintrin.h>

#include <cmath>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

inline int64_t row_grain(int64_t cols) { return cols >= 8192 ? 1 : 8192 / (cols > 0 ? cols : 1); }

// out[j] = x[j] * a + b.
inline void affine_row(float* out, const float* x, int64_t n, float a, float b) {
  const __m256 av = _mm256_set1_ps(a), bv = _mm256_set1_ps(b);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(out + j, _mm256_fmadd_ps(_mm256_loadu_ps(x + j), av, bv));
  if (j < n) {
    const __m256i m = vec::tail_mask(n - j);
    vec::store_tail(out + j, m, _mm256_fmadd_ps(vec::load_tail(x + j, m), av, bv));
  }
}

}  // namespace

void softmax(float* out, const float* x, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * cols;
      float* outr = out + r * cols;
      const double sum = vec::row_sum_exp(xr, cols, vec::row_max(xr, cols), outr);
      affine_row(outr, outr, cols, static_cast<float>(1.0 / sum), 0.0f);
    }
  };
  sieve::detail::parallel_for_each(rows, row_grain(cols), body);
}

void log_softmax(float* out, const float* x, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * cols;
      const float max = vec::row_max(xr, cols);
      const float lse = max + static_cast<float>(std::log(vec::row_sum_exp(xr, cols, max, nullptr)));
      affine_row(out + r * cols, xr, cols, 1.0f, -lse);
    }
  };
  sieve::detail::parallel_for_each(rows, row_grain(cols), body);
}

}  // namespace sieve::cpu::avx2
