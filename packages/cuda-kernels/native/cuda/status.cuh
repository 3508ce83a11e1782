// status.cu: whether CUDA is usable here, and why not. See sieve::cuda::status() in
// sieve/cuda_kernels.h; this header only adds what the other op files share.
#pragma once

namespace sieve::cuda::detail {

// Number of streaming multiprocessors of the current device (cached per device); sizes grids
// such as the split count of paged attention. Requires a usable device.
int sm_count();

}  // namespace sieve::cuda::detail
