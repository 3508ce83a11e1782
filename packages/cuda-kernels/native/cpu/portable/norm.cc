// Portable row normalisations (RMSNorm, LayerNorm). Row statistics are accumulated in double
// (cheap next to the memory traffic, and exact enough for any row length) before any output of
// the row is written, so out may alias x.
#include <cmath>

#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

inline int64_t row_grain(int64_t dim) { return dim >= (1 << 14) ? 1 : (1 << 14) / (dim > 0 ? dim : 1); }

}  // namespace

void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps) {
  if (dim <= 0) return;
  parallel_for(rows, row_grain(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * dim;
      double sum_sq = 0.0;
      for (int64_t j = 0; j < dim; ++j) sum_sq += static_cast<double>(xr[j]) * xr[j];
      const float inv = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(dim) + eps));
      float* outr = out + r * dim;
      for (int64_t j = 0; j < dim; ++j) outr[j] = xr[j] * inv * weight[j];
    }
  });
}

void layer_norm(float* out, const float* x, const float* weight, const float* bias, int64_t rows, int64_t dim,
                float eps) {
  if (dim <= 0) return;
  parallel_for(rows, row_grain(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * dim;
      double sum = 0.0;
      for (int64_t j = 0; j < dim; ++j) sum += xr[j];
      const double mean = sum / static_cast<double>(dim);
      double sum_sq = 0.0;
      for (int64_t j = 0; j < dim; ++j) sum_sq += (xr[j] - mean) * (xr[j] - mean);
      const float inv = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(dim) + eps));
      const float meanf = static_cast<float>(mean);
      float* outr = out + r * dim;
      for (int64_t j = 0; j < dim; ++j) outr[j] = (xr[j] - meanf) * inv * weight[j] + (bias ? bias[j] : 0.0f);
    }
  });
}

}  // namespace sieve::cpu::portable
