// CUDA kernels of Sieve's op vocabulary. Compiled only when nvcc is present (SIEVE_WITH_CUDA);
// usable only when a device is present (cuda_status). Pointers are device pointers; sizes and
// layouts match sieve/cpu_kernels.h, whose functions are each kernel's CPU twin.
#pragma once

#include <cstdint>
#include <string>

#include "sieve/cpu_kernels.h"

namespace sieve {
namespace cuda {

struct Status {
  bool compiled = false;   // built with nvcc
  bool available = false;  // a usable device is present
  std::string reason;      // why not available, or the device name when it is
  int device_count = 0;
};

Status status();

// Device-pointer kernels (launch on the default stream, then synchronize in the host wrappers).
void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias);
void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias);
void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps);
void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim,
          const float* inv_freq, int64_t n_freq, RopeStyle style);
// p's pointers are device pointers.
void paged_attention(const PagedAttentionParams& p);

void synchronize();

}  // namespace cuda
}  // namespace sieve
