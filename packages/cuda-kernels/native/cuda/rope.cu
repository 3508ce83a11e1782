// RoPE: one thread per (row, pair); it computes the angle's cosine and sine once and rotates that
// pair in every head of the row. The angle is formed and its sine/cosine taken in double: with
// positions in the thousands the angle is thousands of radians, where an f32 product is off by
// ~1e-4 rad and the fast-math __sinf is worse still, while the reference computes in float64.
// The cost is one double sincos per (row, pair), shared by all heads.
#include "cuda/common.cuh"
#include "cuda/rope.cuh"

namespace sieve::cuda::detail {
namespace {

template <RopeStyle kStyle>
__global__ void rope_kernel(float* __restrict__ x, const int32_t* __restrict__ positions, int64_t rows, int64_t n_heads,
                            int64_t head_dim, const float* __restrict__ inv_freq, int64_t n_freq) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= rows * n_freq) return;
  const int64_t r = t / n_freq;
  const int64_t i = t % n_freq;
  const double angle = static_cast<double>(positions[r]) * static_cast<double>(inv_freq[i]);
  double sd, cd;
  sincos(angle, &sd, &cd);
  const float s = static_cast<float>(sd);
  const float c = static_cast<float>(cd);
  const int64_t first = kStyle == RopeStyle::Interleaved ? 2 * i : i;
  const int64_t second = kStyle == RopeStyle::Interleaved ? 2 * i + 1 : i + n_freq;
  float* row = x + r * n_heads * head_dim;
  for (int64_t h = 0; h < n_heads; ++h) {
    float* head = row + h * head_dim;
    const float a = head[first];
    const float b = head[second];
    head[first] = a * c - b * s;
    head[second] = a * s + b * c;
  }
}

}  // namespace

void launch_rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim,
                 const float* inv_freq, int64_t n_freq, RopeStyle style, cudaStream_t stream) {
  if (rows <= 0 || n_heads <= 0 || n_freq <= 0) return;
  if (2 * n_freq > head_dim) throw std::invalid_argument("cuda rope: 2 * nFreq exceeds headDim");
  constexpr int kThreads = 256;
  const int64_t blocks = ceil_div(rows * n_freq, kThreads);
  if (blocks > 0x7fffffff) throw std::invalid_argument("cuda rope: too many rows for one grid");
  const dim3 grid(static_cast<unsigned>(blocks));
  if (style == RopeStyle::Interleaved) {
    rope_kernel<RopeStyle::Interleaved><<<grid, kThreads, 0, stream>>>(x, positions, rows, n_heads, head_dim, inv_freq, n_freq);
  } else if (style == RopeStyle::Half) {
    rope_kernel<RopeStyle::Half><<<grid, kThreads, 0, stream>>>(x, positions, rows, n_heads, head_dim, inv_freq, n_freq);
  } else {
    throw std::invalid_argument("cuda rope: unknown style " + std::to_string(static_cast<int>(style)));
  }
  SIEVE_CUDA_CHECK_LAUNCH();
}

}  // namespace sieve::cuda::detail

namespace sieve::cuda {

void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim, const float* inv_freq,
          int64_t n_freq, RopeStyle style) {
  detail::launch_rope(x, positions, rows, n_heads, head_dim, inv_freq, n_freq, style, nullptr);
}

}  // namespace sieve::cuda
