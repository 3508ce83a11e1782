// gemv.cu: out[n] = w[n, k] · x[k] (+ bias[n]), the batch-1 decode case. A memory stream: every
// weight byte is read exactly once, so the target is the device's HBM bandwidth.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sieve/cuda_kernels.h"

namespace sieve::cuda::detail {

// Enqueues the GEMV on `stream` (asynchronous). Picks the 128-bit vector kernel when k and the
// pointers allow it, a scalar kernel otherwise (odd k, unaligned views).
void launch_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias,
                 cudaStream_t stream);

// Name of the variant launch_gemv would pick, for reports ("gemv-vec128-f16", "gemv-scalar-f32", ...).
const char* gemv_variant(const float* x, const void* w, WDType wdt, int64_t k);

}  // namespace sieve::cuda::detail
