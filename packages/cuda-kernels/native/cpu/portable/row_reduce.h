// Row reductions shared by the portable softmax, log-softmax and cross-entropy kernels.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace sieve::cpu::portable {

inline float row_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// max + log(sum_j e^(x[j] - max)), the sum in double.
inline float row_logsumexp(const float* x, int64_t n) {
  const float max = row_max(x, n);
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) sum += std::exp(x[j] - max);
  return max + static_cast<float>(std::log(sum));
}

}  // namespace sieve::cpu::portable
