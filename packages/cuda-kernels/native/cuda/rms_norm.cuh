// rms_norm.cu: out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight. May run in place.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace sieve::cuda::detail {

void launch_rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                     cudaStream_t stream);

}  // namespace sieve::cuda::detail
