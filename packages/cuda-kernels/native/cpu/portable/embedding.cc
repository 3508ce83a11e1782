// Portable embedding lookup: copies (f32) or widens (f16, bf16) one table row per id.
#include <cstring>

#include "cpu/half.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {

// Ids were range-checked by the caller (the binding).
void embedding(float* out, const void* table, WDType dt, const int32_t* ids, int64_t num_ids, int64_t dim) {
  if (dim <= 0) return;
  const int64_t grain = dim >= 8192 ? 1 : 8192 / dim;
  parallel_for(num_ids, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t row = static_cast<int64_t>(ids[t]) * dim;
      float* dst = out + t * dim;
      if (dt == WDType::F32) {
        std::memcpy(dst, static_cast<const float*>(table) + row, static_cast<size_t>(dim) * sizeof(float));
      } else if (dt == WDType::F16) {
        const uint16_t* src = static_cast<const uint16_t*>(table) + row;
        for (int64_t j = 0; j < dim; ++j) dst[j] = f16_to_f32(src[j]);
      } else {
        const uint16_t* src = static_cast<const uint16_t*>(table) + row;
        for (int64_t j = 0; j < dim; ++j) dst[j] = bf16_to_f32(src[j]);
      }
    }
  });
}

}  // namespace sieve::cpu::portable
