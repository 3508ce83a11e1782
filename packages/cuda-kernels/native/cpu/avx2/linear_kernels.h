// The AVX2 linear kernels behind avx2::matmul/gemv (linear.cc), one file each:
//   linear_stream.cc  memory-bound kernels that read W once: m = 1 (gemv) and small m
//   linear_gemm.cc    the packed, register-blocked GEMM for larger m
// Private to avx2/; every function has the contract of matmul (out[m, n] = x · w^T + bias, k >= 1).
#pragma once

#include <cstdint>

#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2::detail {

// Up to this many activation rows the streaming kernel wins: it reads W exactly once and its cost
// per weight grows slowly with m, while the packed GEMM pays for packing W into panels.
constexpr int64_t kStreamMaxRows = 16;

void stream_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias);
void stream_small_m(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                    const float* bias);  // 2 <= m <= kStreamMaxRows
void packed_gemm(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias);

}  // namespace sieve::cpu::avx2::detail
