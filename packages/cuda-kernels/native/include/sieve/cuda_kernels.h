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
// TEAL at decode over input-major wt[k, n]: out[n] = bias + sum of x[j] * wt[j, :] over the inputs
// with |x[j]| >= threshold (x[j] != 0 when threshold <= 0); zeroed inputs' rows are never read.
// CPU twin: threshold_select + sparse_gemv_im (activation_sparse_kernels.h).
void threshold_gemv_im(float* out, const float* x, float threshold, const void* wt, WDType wdt, int64_t k, int64_t n,
                       const float* bias);
// The same over a device index list of `count` inputs (the CPU sparse_gemv_im contract).
void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias);
void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps);
void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim,
          const float* inv_freq, int64_t n_freq, RopeStyle style);
// p's pointers are device pointers.
void paged_attention(const PagedAttentionParams& p);

void synchronize();

}  // namespace cuda
}  // namespace sieve
