// The AVX-512 linear kernels behind avx512::matmul/gemv (linear.cc), one file each:
//   linear_stream.cc  kernels that stream W once: m = 1 (gemv) and m <= kStreamMaxRows
//   linear_gemm.cc    the packed, register-blocked GEMM for larger m
// Private to avx512/; every function has the contract of matmul (out[m, n] = x · w^T + bias, k >= 1).
#pragma once

#include <cstdint>

#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx512::detail {

// Up to this many activation rows the streaming kernel runs, as in AVX2 (avx2/linear_kernels.h).
constexpr int64_t kStreamMaxRows = 64;

void stream_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias);
void stream_small_m(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                    const float* bias);  // 2 <= m <= kStreamMaxRows
void packed_gemm(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias);

}  // namespace sieve::cpu::avx512::detail
