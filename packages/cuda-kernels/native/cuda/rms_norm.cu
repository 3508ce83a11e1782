// RMSNorm: one block per row. Pass 1 sums squares (block reduction); pass 2 scales. The row is
// read twice, but the second read hits L1/L2 (a row is a few KiB). In place is safe: each thread
// writes exactly the elements it read, after the reduction has finished.
#include "cuda/common.cuh"
#include "cuda/rms_norm.cuh"

namespace sieve::cuda::detail {
namespace {

constexpr int kMaxThreads = 256;

template <bool kVec4>
__global__ void __launch_bounds__(kMaxThreads)
    rms_norm_kernel(float* out, const float* x, const float* __restrict__ weight, int64_t dim, float eps) {
  __shared__ float scratch[kWarp];
  const int64_t row = blockIdx.x;
  const float* xr = x + row * dim;
  float* yr = out + row * dim;

  float ss = 0.0f;
  if constexpr (kVec4) {
    const int64_t nvec = dim / 4;
    for (int64_t i = threadIdx.x; i < nvec; i += blockDim.x) {
      const float4 v = reinterpret_cast<const float4*>(xr)[i];
      ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
    }
  } else {
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
  }
  ss = block_sum(ss, scratch);
  const float inv = rsqrtf(ss / static_cast<float>(dim) + eps);

  if constexpr (kVec4) {
    const int64_t nvec = dim / 4;
    for (int64_t i = threadIdx.x; i < nvec; i += blockDim.x) {
      const float4 v = reinterpret_cast<const float4*>(xr)[i];
      const float4 g = __ldg(reinterpret_cast<const float4*>(weight) + i);
      reinterpret_cast<float4*>(yr)[i] = make_float4(v.x * inv * g.x, v.y * inv * g.y, v.z * inv * g.z, v.w * inv * g.w);
    }
  } else {
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) yr[i] = xr[i] * inv * weight[i];
  }
}

}  // namespace

void launch_rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                     cudaStream_t stream) {
  if (rows <= 0 || dim <= 0) return;
  const bool vec = dim % 4 == 0 && aligned(x, 16) && aligned(out, 16) && aligned(weight, 16);
  const int64_t work = vec ? dim / 4 : dim;
  // Enough whole warps to cover the row once, at most kMaxThreads.
  const int threads = static_cast<int>(std::min<int64_t>(kMaxThreads, ceil_div(work, kWarp) * kWarp));
  if (rows > 0x7fffffff) throw std::invalid_argument("cuda rms_norm: too many rows for one grid");
  const dim3 grid(static_cast<unsigned>(rows));
  if (vec) {
    rms_norm_kernel<true><<<grid, threads, 0, stream>>>(out, x, weight, dim, eps);
  } else {
    rms_norm_kernel<false><<<grid, threads, 0, stream>>>(out, x, weight, dim, eps);
  }
  SIEVE_CUDA_CHECK_LAUNCH();
}

}  // namespace sieve::cuda::detail

namespace sieve::cuda {

void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps) {
  detail::launch_rms_norm(out, x, weight, rows, dim, eps, nullptr);
}

}  // namespace sieve::cuda
