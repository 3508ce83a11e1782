// The AVX2 linear kernels behind avx2::matmul/gemv (linear.cc), one file each:
//   linear_stream.cc  kernels that stream W once: m = 1 (gemv) and m <= kStreamMaxRows
//   linear_gemm.cc    the packed, register-blocked GEMM for larger m
// Private to avx2/; every function has the contract of matmul (out[m, n] = x · w^T + bias, k >= 1).
#pragma once

#include <cstdint>

#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2::detail {

// Up to this many activation rows the streaming kernel is used. It reads W exactly once and never
// transposes it; the packed GEMM has the better register tile (~80% of FMA peak in cache against
// ~70%) but pays for packing W. Measured with cold 64 MB weights on 2 cores (GFLOP/s, f32 / f16):
// m = 32: stream 143 / 163, packed 89 / 99; m = 64: stream 160 / 171, packed (m = 65) 137 / 139.
// LLM weights are cold in practice (they never fit a cache), so the switch sits at 64.
constexpr int64_t kStreamMaxRows = 64;

void stream_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias);
void stream_small_m(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                    const float* bias);  // 2 <= m <= kStreamMaxRows
void packed_gemm(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias);

}  // namespace sieve::cpu::avx2::detail
