// Portable cross-entropy: log-sum-exp of each row minus the target's logit.
#include "cpu/portable/row_reduce.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {

// Targets were range-checked by the caller (the binding).
void cross_entropy(float* out, const float* logits, const int32_t* targets, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const int64_t grain = cols >= 8192 ? 1 : 8192 / cols;
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = logits + r * cols;
      out[r] = row_logsumexp(row, cols) - row[targets[r]];
    }
  });
}

}  // namespace sieve::cpu::portable
