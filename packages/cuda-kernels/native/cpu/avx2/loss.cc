// AVX2 cross-entropy: a vectorised log-sum-exp per row minus the target's logit.
#include <cmath>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {

// Targets were range-checked by the caller (the binding); rows are independent.
void cross_entropy(float* out, const float* logits, const int32_t* targets, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const int64_t grain = cols >= 8192 ? 1 : 8192 / cols;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = logits + r * cols;
      const float max = vec::row_max(row, cols);
      out[r] = max + static_cast<float>(std::log(vec::row_sum_exp(row, cols, max, nullptr))) - row[targets[r]];
    }
  };
  sieve::detail::parallel_for_each(rows, grain, body);
}

}  // namespace sieve::cpu::avx2
