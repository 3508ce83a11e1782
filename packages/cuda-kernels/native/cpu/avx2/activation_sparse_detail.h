// Internal entry points shared by the AVX2 activation-sparse files (plain functions, no inline
// code: safe to include from any avx2/ file).
#pragma once

#include <cstdint>

#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2::detail {

// Most token rows the streaming batched kernel (activation_sparse_batch.cc) takes; more rows go
// to the packed GEMM (activation_sparse_gemm.cc), where arithmetic, not the weight stream, binds.
constexpr int64_t kSparseStreamMaxRows = 16;

// sparse_matmul_im for m > kSparseStreamMaxRows (same contract; idx == nullptr means all k).
void sparse_matmul_packed(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                          float threshold, const void* wt, WDType wdt, int64_t n, const float* bias);

}  // namespace sieve::cpu::avx2::detail
