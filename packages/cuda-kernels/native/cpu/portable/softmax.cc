// Portable softmax and log-softmax over rows, stabilised by the row maximum; sums in double.
#include <cmath>

#include "cpu/portable/row_reduce.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

inline int64_t row_grain(int64_t cols) { return cols >= 8192 ? 1 : 8192 / (cols > 0 ? cols : 1); }

}  // namespace

void softmax(float* out, const float* x, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  parallel_for(rows, row_grain(cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * cols;
      float* outr = out + r * cols;
      const float max = row_max(xr, cols);
      double sum = 0.0;
      for (int64_t j = 0; j < cols; ++j) {
        outr[j] = std::exp(xr[j] - max);
        sum += outr[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < cols; ++j) outr[j] *= inv;
    }
  });
}

void log_softmax(float* out, const float* x, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  parallel_for(rows, row_grain(cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * cols;
      const float lse = row_logsumexp(xr, cols);
      float* outr = out + r * cols;
      for (int64_t j = 0; j < cols; ++j) outr[j] = xr[j] - lse;
    }
  });
}

}  // namespace sieve::cpu::portable
