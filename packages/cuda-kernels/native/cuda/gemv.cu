// GEMV: one warp per output row. Each lane streams 128-bit chunks of the row (4 f32 or 8 halves)
// with several loads in flight, widens half weights in registers, multiplies with x (small and
// shared by every row, so it stays in L1/L2) and the warp reduces with shuffles. Weights are
// loaded with the streaming hint: they are read once per token and should not evict x.
#include "cuda/common.cuh"
#include "cuda/gemv.cuh"

namespace sieve::cuda::detail {
namespace {

constexpr int kRowsPerBlock = 8;  // warps per block, one row each
constexpr int kUnroll = 4;        // 128-bit loads in flight per lane

// Dot product of one 128-bit chunk of weights with the matching floats of x (16-byte aligned).
template <WDType T>
__device__ __forceinline__ float dot_chunk(const uint4& wv, const float* __restrict__ x);

template <>
__device__ __forceinline__ float dot_chunk<WDType::F32>(const uint4& wv, const float* __restrict__ x) {
  const float4 xv = __ldg(reinterpret_cast<const float4*>(x));
  return __uint_as_float(wv.x) * xv.x + __uint_as_float(wv.y) * xv.y + __uint_as_float(wv.z) * xv.z +
         __uint_as_float(wv.w) * xv.w;
}

// Two half-precision weights packed in 32 bits, low element first (little-endian memory order).
__device__ __forceinline__ float2 widen2(uint32_t u, WDType t) {
  if (t == WDType::F16) {
    return make_float2(__half2float(__ushort_as_half(static_cast<unsigned short>(u & 0xffffu))),
                       __half2float(__ushort_as_half(static_cast<unsigned short>(u >> 16))));
  }
  return make_float2(__uint_as_float(u << 16), __uint_as_float(u & 0xffff0000u));
}

template <WDType T>
__device__ __forceinline__ float dot_chunk_half(const uint4& wv, const float* __restrict__ x) {
  const float4 xa = __ldg(reinterpret_cast<const float4*>(x));
  const float4 xb = __ldg(reinterpret_cast<const float4*>(x) + 1);
  const float2 w0 = widen2(wv.x, T), w1 = widen2(wv.y, T), w2 = widen2(wv.z, T), w3 = widen2(wv.w, T);
  return w0.x * xa.x + w0.y * xa.y + w1.x * xa.z + w1.y * xa.w + w2.x * xb.x + w2.y * xb.y + w3.x * xb.z +
         w3.y * xb.w;
}

template <>
__device__ __forceinline__ float dot_chunk<WDType::F16>(const uint4& wv, const float* __restrict__ x) {
  return dot_chunk_half<WDType::F16>(wv, x);
}
template <>
__device__ __forceinline__ float dot_chunk<WDType::BF16>(const uint4& wv, const float* __restrict__ x) {
  return dot_chunk_half<WDType::BF16>(wv, x);
}

// Requires k % (16 / sizeof(element)) == 0 and 16-byte aligned x and w (so every row is aligned).
template <WDType T>
__global__ void __launch_bounds__(kRowsPerBlock * kWarp)
    gemv_vec128(float* __restrict__ out, const float* __restrict__ x, const typename Weight<T>::storage* __restrict__ w,
                int64_t n, int64_t k, const float* __restrict__ bias) {
  using S = typename Weight<T>::storage;
  constexpr int kPer = 16 / sizeof(S);
  const int lane = threadIdx.x % kWarp;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
  if (row >= n) return;  // whole warps leave together: row is uniform across the warp
  const uint4* wrow = reinterpret_cast<const uint4*>(w + row * k);
  const int64_t nvec = k / kPer;

  float acc[2] = {0.0f, 0.0f};  // two chains so consecutive FMAs need not wait on each other
  int64_t i = lane;
  for (; i + (kUnroll - 1) * kWarp < nvec; i += kUnroll * kWarp) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = __ldcs(wrow + i + u * kWarp);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc[u & 1] += dot_chunk<T>(v[u], x + (i + u * kWarp) * kPer);
  }
  for (; i < nvec; i += kWarp) acc[0] += dot_chunk<T>(__ldcs(wrow + i), x + i * kPer);

  const float total = warp_sum(acc[0] + acc[1]);
  if (lane == 0) out[row] = total + (bias != nullptr ? bias[row] : 0.0f);
}

// Any k, any alignment: lanes read consecutive elements (coalesced), four per iteration.
template <WDType T>
__global__ void __launch_bounds__(kRowsPerBlock * kWarp)
    gemv_scalar(float* __restrict__ out, const float* __restrict__ x, const typename Weight<T>::storage* __restrict__ w,
                int64_t n, int64_t k, const float* __restrict__ bias) {
  const int lane = threadIdx.x % kWarp;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
  if (row >= n) return;
  const auto* wrow = w + row * k;
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  int64_t j = lane;
  for (; j + 3 * kWarp < k; j += 4 * kWarp) {
#pragma unroll
    for (int u = 0; u < 4; ++u) acc[u] += Weight<T>::widen(wrow[j + u * kWarp]) * __ldg(x + j + u * kWarp);
  }
  for (; j < k; j += kWarp) acc[0] += Weight<T>::widen(wrow[j]) * __ldg(x + j);
  const float total = warp_sum((acc[0] + acc[1]) + (acc[2] + acc[3]));
  if (lane == 0) out[row] = total + (bias != nullptr ? bias[row] : 0.0f);
}

int elements_per_chunk(WDType wdt) { return wdt == WDType::F32 ? 4 : 8; }

bool can_vectorize(const float* x, const void* w, WDType wdt, int64_t k) {
  return k % elements_per_chunk(wdt) == 0 && aligned(x, 16) && aligned(w, 16);
}

template <WDType T>
void launch_typed(float* out, const float* x, const void* w, int64_t n, int64_t k, const float* bias, bool vec,
                  cudaStream_t stream) {
  using S = typename Weight<T>::storage;
  const dim3 grid(static_cast<unsigned>(ceil_div(n, kRowsPerBlock)));
  const dim3 block(kRowsPerBlock * kWarp);
  const S* ws = static_cast<const S*>(w);
  if (vec) {
    gemv_vec128<T><<<grid, block, 0, stream>>>(out, x, ws, n, k, bias);
  } else {
    gemv_scalar<T><<<grid, block, 0, stream>>>(out, x, ws, n, k, bias);
  }
  SIEVE_CUDA_CHECK_LAUNCH();
}

}  // namespace

void launch_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias,
                 cudaStream_t stream) {
  if (n <= 0) return;
  const bool vec = can_vectorize(x, w, wdt, k);
  switch (wdt) {
    case WDType::F32: return launch_typed<WDType::F32>(out, x, w, n, k, bias, vec, stream);
    case WDType::F16: return launch_typed<WDType::F16>(out, x, w, n, k, bias, vec, stream);
    case WDType::BF16: return launch_typed<WDType::BF16>(out, x, w, n, k, bias, vec, stream);
  }
  throw std::invalid_argument("cuda gemv: unknown weight dtype " + std::to_string(static_cast<int>(wdt)));
}

const char* gemv_variant(const float* x, const void* w, WDType wdt, int64_t k) {
  const bool vec = can_vectorize(x, w, wdt, k);
  switch (wdt) {
    case WDType::F32: return vec ? "gemv-vec128-f32" : "gemv-scalar-f32";
    case WDType::F16: return vec ? "gemv-vec128-f16" : "gemv-scalar-f16";
    case WDType::BF16: return vec ? "gemv-vec128-bf16" : "gemv-scalar-bf16";
  }
  return "gemv-unknown";
}

}  // namespace sieve::cuda::detail

namespace sieve::cuda {

void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  detail::launch_gemv(out, x, w, wdt, n, k, bias, nullptr);
}

}  // namespace sieve::cuda
