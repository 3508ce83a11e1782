// matmul.cu: out[m, n] = x[m, k] · w[n, k]^T (+ bias[n]), x f32, w f32 / f16 / bf16 (raw bits).
// Two kernels: an FP32 SIMT tiled GEMM (exact f32 products; every dtype) and a tensor-core GEMM
// (WMMA) for half weights. The tensor-core path rounds x once: to f16 for f16 weights (x must
// stay below 65504 in magnitude) and to tf32 for bf16 weights (bf16 converts to tf32 exactly),
// about 2^-11 relative per element of x; products accumulate in f32.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sieve/cuda_kernels.h"

namespace sieve::cuda::detail {

enum class MatmulVariant : int {
  Auto = 0,        // m == 1: GEMV; f32 weights: SIMT; f16 / bf16 weights: tensor cores
  Simt = 1,        // FP32 tiled GEMM for any dtype
  TensorCore = 2,  // WMMA; f16 or bf16 weights only
};

void launch_matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                   const float* bias, cudaStream_t stream, MatmulVariant variant = MatmulVariant::Auto);

// Name of the kernel launch_matmul runs for these arguments ("wmma-f16-128x128x32", ...).
const char* matmul_variant_name(WDType wdt, int64_t m, MatmulVariant variant = MatmulVariant::Auto);

}  // namespace sieve::cuda::detail
