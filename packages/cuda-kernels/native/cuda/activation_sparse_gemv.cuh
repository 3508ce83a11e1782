// activation_sparse_gemv.cu: TEAL's batch-1 product on the GPU. Weights are input-major,
// wt[k, n] (row j holds the n weights input j feeds), so an input that is zeroed costs no memory
// traffic: its row is never read. CPU twins: sieve::cpu::threshold_select + sparse_gemv_im.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sieve/cuda_kernels.h"

namespace sieve::cuda::detail {

// Device scratch for the single-launch path: per-column sums and per-column-tile arrival counters,
// zero before a call and zero again after it. Calls that share one must not overlap (one stream).
struct SparseGemvScratch {
  float* sums = nullptr;
  unsigned* arrivals = nullptr;
  int64_t n_max = 0;  // the widest output it serves
};
SparseGemvScratch alloc_sparse_gemv_scratch(int64_t n_max);
void free_sparse_gemv_scratch(SparseGemvScratch& scratch);

struct SparseGemvLaunch {
  cudaStream_t stream = nullptr;
  int chunk = 0;                               // candidate inputs per block, 1..512; 0: 256
  const SparseGemvScratch* scratch = nullptr;  // non-null: one launch instead of two
};

// out[n] = bias + sum over the inputs j kept by the threshold of x[j] * wt[j, :]. An input is
// kept when |x[j]| >= threshold, or, with threshold <= 0, when x[j] != 0 (skipping an exact zero
// changes nothing). The selection runs inside the kernel: no index list, no host round trip.
void launch_threshold_gemv_im(float* out, const float* x, float threshold, const void* wt, WDType wdt, int64_t k,
                              int64_t n, const float* bias, const SparseGemvLaunch& how = {});

// out[n] = bias + sum_{i < count} x[idx[i]] * wt[idx[i], :] over a device index list (the CPU
// op's contract: idx in [0, k); count comes from the host).
void launch_sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                           int64_t n, const float* bias, const SparseGemvLaunch& how = {});

// The two-launch path's first launch alone (out = bias, or 0), so timings can show its cost.
void launch_sparse_gemv_out_init(float* out, const float* bias, int64_t n, cudaStream_t stream);

// Name of the variant a launch would pick ("teal-im-vec128-f16", "teal-im-idx-scalar-f32", ...).
const char* activation_sparse_gemv_variant(const void* wt, WDType wdt, int64_t n, bool indexed);

}  // namespace sieve::cuda::detail
