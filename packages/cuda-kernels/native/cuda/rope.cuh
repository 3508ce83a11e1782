// rope.cu: rotary position embedding in place on x [rows, nHeads, headDim]; pair i < nFreq turns
// by positions[r] * invFreq[i]. Interleaved pairs (2i, 2i+1), half pairs (i, i + nFreq); dims from
// 2 * nFreq on pass through (partial rotary).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sieve/cuda_kernels.h"

namespace sieve::cuda::detail {

void launch_rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim,
                 const float* inv_freq, int64_t n_freq, RopeStyle style, cudaStream_t stream);

}  // namespace sieve::cuda::detail
