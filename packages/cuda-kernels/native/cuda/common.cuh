// Shared by every CUDA op file: error checking that turns CUDA errors into C++ exceptions, the
// weight-element loaders (f32 / f16 / bf16 raw bits widened to f32 in registers) and warp/block
// reductions. Private to native/cuda: the public API is sieve/cuda_kernels.h.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "sieve/cuda_kernels.h"

namespace sieve::cuda::detail {

// Throws std::runtime_error("CUDA error at file:line: <expr>: <name>: <message>"). The Node binding
// turns it into a JS Error; the GPU check driver prints it. Never aborts the process.
[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line) {
  std::string msg = std::string("CUDA error at ") + file + ":" + std::to_string(line) + ": " + expr + ": " +
                    cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
  throw std::runtime_error(msg);
}

}  // namespace sieve::cuda::detail

#define SIEVE_CUDA_CHECK(expr)                                                         \
  do {                                                                                 \
    cudaError_t sieve_err_ = (expr);                                                   \
    if (sieve_err_ != cudaSuccess) {                                                   \
      ::sieve::cuda::detail::throw_cuda_error(sieve_err_, #expr, __FILE__, __LINE__);  \
    }                                                                                  \
  } while (0)

// After a kernel launch: reports bad launch configurations at once. Faults inside the kernel
// surface at the next synchronizing call (a copy, synchronize()), which checks them too.
#define SIEVE_CUDA_CHECK_LAUNCH() SIEVE_CUDA_CHECK(cudaGetLastError())

namespace sieve::cuda::detail {

constexpr int kWarp = 32;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
__device__ __forceinline__ int64_t ceil_div_dev(int64_t a, int64_t b) { return (a + b - 1) / b; }

// True when p is aligned to `bytes` (vector loads need 16-byte alignment).
inline bool aligned(const void* p, uintptr_t bytes) { return (reinterpret_cast<uintptr_t>(p) % bytes) == 0; }

// Weight element types: the storage type of one element and its widening to f32. Half types are
// kept as raw 16-bit patterns (the host API passes Uint16Array bits) and widened in registers.
template <WDType T>
struct Weight;

template <>
struct Weight<WDType::F32> {
  using storage = float;
  static __device__ __forceinline__ float widen(float v) { return v; }
};

template <>
struct Weight<WDType::F16> {
  using storage = uint16_t;
  static __device__ __forceinline__ float widen(uint16_t bits) { return __half2float(__ushort_as_half(bits)); }
};

template <>
struct Weight<WDType::BF16> {
  using storage = uint16_t;
  // bf16 is the top half of an f32: widening is a 16-bit shift, exact.
  static __device__ __forceinline__ float widen(uint16_t bits) {
    return __uint_as_float(static_cast<uint32_t>(bits) << 16);
  }
};

// Sum over the 32 lanes of a warp; every lane gets the total (xor butterfly).
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int off = kWarp / 2; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

// Sum over a whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
// `scratch` holds at least 32 floats of shared memory; the call synchronizes the block.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const int nwarps = blockDim.x / kWarp;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous block_sum
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = lane < nwarps ? scratch[lane] : 0.0f;
  return warp_sum(total);
}

}  // namespace sieve::cuda::detail
