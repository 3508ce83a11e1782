// Two GEMMs on 128x128 output tiles, both K-major operands (x rows and w rows are contiguous in k):
//  - SIMT: 256 threads, each an 8x8 register tile, operands staged transposed in shared memory
//    (BK = 8) so the inner loop reads float4s; exact f32 products.
//  - WMMA: 8 warps as 2 (m) x 4 (n), each warp 64x32 = 4x2 fragments of 16x16; BK = 32; the next
//    K tile is fetched into registers while the tensor cores work on the current one. Converting
//    x (f32) and w (bits) to the fragment type happens on the way into shared memory.
// Every global load is bounds-checked and zero-filled, so any m, n, k works (odd sizes, k < BK);
// vector loads are used only where k and the pointers make them legal.
#include <mma.h>

#include "cuda/common.cuh"
#include "cuda/gemv.cuh"
#include "cuda/matmul.cuh"

namespace sieve::cuda::detail {
namespace {

namespace wmma = nvcuda::wmma;

constexpr int kTileM = 128;
constexpr int kTileN = 128;
constexpr int kThreads = 256;

// ----------------------------------------------------------------------------------------------
// SIMT FP32 GEMM
// ----------------------------------------------------------------------------------------------
constexpr int kSimtK = 8;
constexpr int kSimtPad = 4;  // row stride 132 floats: transposed stores hit 32 distinct banks

template <WDType T>
__global__ void __launch_bounds__(kThreads, 2)
    matmul_simt(float* __restrict__ out, const float* __restrict__ x, const typename Weight<T>::storage* __restrict__ w,
                int64_t m, int64_t n, int64_t k, const float* __restrict__ bias) {
  __shared__ __align__(16) float as[kSimtK][kTileM + kSimtPad];  // as[kk][row] = x[row0 + row, k0 + kk]
  __shared__ __align__(16) float bs[kSimtK][kTileN + kSimtPad];  // bs[kk][col] = w[col0 + col, k0 + kk]
  const int tid = threadIdx.x;
  const int tx = tid % 16;  // this thread's columns: tx*4 + {0..3} and 64 + tx*4 + {0..3}
  const int ty = tid / 16;  // this thread's rows:    ty*4 + {0..3} and 64 + ty*4 + {0..3}
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTileM;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTileN;

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;

  for (int64_t k0 = 0; k0 < k; k0 += kSimtK) {
    // 128 rows x 8 k per operand = 1024 elements, 4 per thread; consecutive threads read
    // consecutive k of one row (whole 32-byte sectors).
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int e = tid + i * kThreads;
      const int r = e / kSimtK;
      const int c = e % kSimtK;
      const int64_t gk = k0 + c;
      const int64_t gr = row0 + r;
      const int64_t gc = col0 + r;
      as[c][r] = (gr < m && gk < k) ? __ldg(x + gr * k + gk) : 0.0f;
      bs[c][r] = (gc < n && gk < k) ? Weight<T>::widen(w[gc * k + gk]) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kSimtK; ++kk) {
      float a[8], b[8];
      *reinterpret_cast<float4*>(a) = *reinterpret_cast<const float4*>(&as[kk][ty * 4]);
      *reinterpret_cast<float4*>(a + 4) = *reinterpret_cast<const float4*>(&as[kk][64 + ty * 4]);
      *reinterpret_cast<float4*>(b) = *reinterpret_cast<const float4*>(&bs[kk][tx * 4]);
      *reinterpret_cast<float4*>(b + 4) = *reinterpret_cast<const float4*>(&bs[kk][64 + tx * 4]);
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int64_t r = row0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
    if (r >= m) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int64_t c = col0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + (j - 4));
      if (c < n) out[r * n + c] = acc[i][j] + (bias != nullptr ? bias[c] : 0.0f);
    }
  }
}

// ----------------------------------------------------------------------------------------------
// WMMA tensor-core GEMM
// ----------------------------------------------------------------------------------------------
constexpr int kWmmaK = 32;   // K per shared-memory tile
constexpr int kWarpsM = 2;   // warp grid inside a block
constexpr int kWarpsN = 4;
constexpr int kFragM = 4;    // 16x16 fragments per warp along m (64 rows)
constexpr int kFragN = 2;    // ... and along n (32 columns)

// f16 weights: fragments are f16 (m16n16k16); x is rounded to f16.
struct HalfPath {
  using elem = __half;
  using frag = __half;
  static constexpr int kStep = 16;
  static constexpr int kPad = 8;  // row stride 40 halves = 80 bytes: keeps 32-byte fragment alignment
  static __device__ __forceinline__ elem from_x(float v) { return __float2half_rn(v); }
  static __device__ __forceinline__ elem from_w(uint16_t bits) { return __ushort_as_half(bits); }
};

// bf16 weights: fragments are tf32 (m16n16k8); bf16 widens to tf32 exactly, x is rounded to tf32
// (round to nearest) on its way into shared memory, so fragments loaded from there already hold
// tf32 values, as WMMA requires, without a second conversion pass in the inner loop.
struct Tf32Path {
  using elem = float;
  using frag = wmma::precision::tf32;
  static constexpr int kStep = 8;
  static constexpr int kPad = 4;  // row stride 36 floats = 144 bytes
  static __device__ __forceinline__ elem from_x(float v) { return wmma::__float_to_tf32(v); }
  static __device__ __forceinline__ elem from_w(uint16_t bits) { return __uint_as_float(static_cast<uint32_t>(bits) << 16); }
};

template <class P>
struct WmmaSmem {
  __align__(128) typename P::elem a[kTileM][kWmmaK + P::kPad];  // a[row][kk] = x tile
  __align__(128) typename P::elem b[kTileN][kWmmaK + P::kPad];  // b[col][kk] = w tile (col-major K x N)
  __align__(128) float c[kWarpsM * kWarpsN][16 * 16];          // per-warp epilogue staging
};

// Global -> register half of the pipeline. Thread tid loads, for every K tile:
//  x: 4 float4 slots at rows tid/8 + 32 i (i < 4), k offset (tid % 8) * 4  (128 rows x 32 k);
//  w: 2 chunks of 8 bits-pairs at rows tid/4 + 64 i (i < 2), k offset (tid % 4) * 8.
// Rows and k offsets stay fixed across tiles, so only k0 changes between loads.
struct TileLoader {
  const float* x_row;     // x + (row0 + tid/8) * k + a_k
  const uint16_t* w_row;  // w + (col0 + tid/4) * k + b_k
  int64_t x_rows_left;    // m - (row0 + tid/8): slot i is inside when 32 i < this
  int64_t w_rows_left;    // n - (col0 + tid/4)
  int64_t k_left_a;       // k - a_k: element e of a slot is inside when k0 + e < this
  int64_t k_left_b;
  int64_t k;
  bool a_vec, b_vec;

  __device__ TileLoader(const float* x, const uint16_t* w, int64_t m, int64_t n, int64_t k_, int64_t row0,
                        int64_t col0, bool a_vec_, bool b_vec_)
      : k(k_), a_vec(a_vec_), b_vec(b_vec_) {
    const int tid = threadIdx.x;
    const int a_k = (tid % 8) * 4;
    const int b_k = (tid % 4) * 8;
    x_rows_left = m - (row0 + tid / 8);
    w_rows_left = n - (col0 + tid / 4);
    x_row = x + (x_rows_left > 0 ? (row0 + tid / 8) * k + a_k : 0);
    w_row = w + (w_rows_left > 0 ? (col0 + tid / 4) * k + b_k : 0);
    k_left_a = k - a_k;
    k_left_b = k - b_k;
  }

  __device__ __forceinline__ void load(float (&a)[16], uint32_t (&b)[8], int64_t k0) const {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const bool row_ok = 32 * i < x_rows_left;
      const float* src = x_row + 32 * i * k + k0;
      float* dst = a + 4 * i;
      if (a_vec && row_ok && k0 < k_left_a) {  // k % 4 == 0: the whole float4 is inside the row
        const float4 v = __ldg(reinterpret_cast<const float4*>(src));
        dst[0] = v.x;
        dst[1] = v.y;
        dst[2] = v.z;
        dst[3] = v.w;
      } else {
#pragma unroll
        for (int e = 0; e < 4; ++e) dst[e] = (row_ok && k0 + e < k_left_a) ? __ldg(src + e) : 0.0f;
      }
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      const bool row_ok = 64 * i < w_rows_left;
      const uint16_t* src = w_row + 64 * i * k + k0;
      uint32_t* dst = b + 4 * i;
      if (b_vec && row_ok && k0 < k_left_b) {  // k % 8 == 0
        const uint4 v = __ldg(reinterpret_cast<const uint4*>(src));
        dst[0] = v.x;
        dst[1] = v.y;
        dst[2] = v.z;
        dst[3] = v.w;
      } else {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const uint32_t lo = (row_ok && k0 + 2 * e < k_left_b) ? src[2 * e] : 0u;
          const uint32_t hi = (row_ok && k0 + 2 * e + 1 < k_left_b) ? src[2 * e + 1] : 0u;
          dst[e] = lo | (hi << 16);
        }
      }
    }
  }
};

// Register -> shared half of the pipeline, converting to the fragment element type on the way.
template <class P>
__device__ __forceinline__ void store_tile(WmmaSmem<P>& s, const float (&a)[16], const uint32_t (&b)[8]) {
  const int tid = threadIdx.x;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
#pragma unroll
    for (int e = 0; e < 4; ++e) s.a[tid / 8 + 32 * i][(tid % 8) * 4 + e] = P::from_x(a[4 * i + e]);
  }
#pragma unroll
  for (int i = 0; i < 2; ++i) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const uint32_t pair = b[4 * i + e];
      s.b[tid / 4 + 64 * i][(tid % 4) * 8 + 2 * e] = P::from_w(static_cast<uint16_t>(pair & 0xffffu));
      s.b[tid / 4 + 64 * i][(tid % 4) * 8 + 2 * e + 1] = P::from_w(static_cast<uint16_t>(pair >> 16));
    }
  }
}

template <class P>
__global__ void __launch_bounds__(kThreads, 2)
    matmul_wmma(float* __restrict__ out, const float* __restrict__ x, const uint16_t* __restrict__ w, int64_t m,
                int64_t n, int64_t k, const float* __restrict__ bias, bool a_vec, bool b_vec) {
  __shared__ WmmaSmem<P> s;
  const int warp = threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  const int wm = warp / kWarpsN;  // 0..1: rows wm*64 .. +64 of the block tile
  const int wn = warp % kWarpsN;  // 0..3: columns wn*32 .. +32
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTileM;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTileN;

  wmma::fragment<wmma::accumulator, 16, 16, P::kStep, float> acc[kFragM][kFragN];
#pragma unroll
  for (int i = 0; i < kFragM; ++i)
#pragma unroll
    for (int j = 0; j < kFragN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  const TileLoader loader(x, w, m, n, k, row0, col0, a_vec, b_vec);
  float a_next[16];
  uint32_t b_next[8];
  const int64_t tiles = ceil_div_dev(k, kWmmaK);
  if (tiles > 0) loader.load(a_next, b_next, 0);
  for (int64_t t = 0; t < tiles; ++t) {
    store_tile<P>(s, a_next, b_next);
    __syncthreads();
    // The next tile's global loads are in flight while the tensor cores work on this one.
    if (t + 1 < tiles) loader.load(a_next, b_next, (t + 1) * kWmmaK);
#pragma unroll
    for (int kk = 0; kk < kWmmaK; kk += P::kStep) {
      // One A fragment live at a time (with both B fragments): keeps the kernel within 128
      // registers so two blocks fit per SM.
      wmma::fragment<wmma::matrix_b, 16, 16, P::kStep, typename P::frag, wmma::col_major> bf[kFragN];
#pragma unroll
      for (int j = 0; j < kFragN; ++j) {
        wmma::load_matrix_sync(bf[j], &s.b[wn * 32 + j * 16][kk], kWmmaK + P::kPad);
      }
#pragma unroll
      for (int i = 0; i < kFragM; ++i) {
        wmma::fragment<wmma::matrix_a, 16, 16, P::kStep, typename P::frag, wmma::row_major> af;
        wmma::load_matrix_sync(af, &s.a[wm * 64 + i * 16][kk], kWmmaK + P::kPad);
#pragma unroll
        for (int j = 0; j < kFragN; ++j) wmma::mma_sync(acc[i][j], af, bf[j], acc[i][j]);
      }
    }
    __syncthreads();
  }

  // Epilogue through per-warp staging: bounds checks and bias need element coordinates, which a
  // fragment does not expose. Lanes 0-15 write one row's 16 columns, lanes 16-31 the next row.
  float* stage = s.c[warp];
#pragma unroll
  for (int i = 0; i < kFragM; ++i) {
#pragma unroll
    for (int j = 0; j < kFragN; ++j) {
      wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        const int idx = lane + e * kWarp;
        const int64_t r = row0 + wm * 64 + i * 16 + idx / 16;
        const int64_t c = col0 + wn * 32 + j * 16 + idx % 16;
        if (r < m && c < n) out[r * n + c] = stage[idx] + (bias != nullptr ? bias[c] : 0.0f);
      }
      __syncwarp();
    }
  }
}

template <WDType T>
void launch_simt(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias,
                 cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(ceil_div(n, kTileN)), static_cast<unsigned>(ceil_div(m, kTileM)));
  matmul_simt<T><<<grid, kThreads, 0, stream>>>(out, x, static_cast<const typename Weight<T>::storage*>(w), m, n, k, bias);
  SIEVE_CUDA_CHECK_LAUNCH();
}

template <class P>
void launch_wmma(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias,
                 cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(ceil_div(n, kTileN)), static_cast<unsigned>(ceil_div(m, kTileM)));
  const bool a_vec = k % 4 == 0 && aligned(x, 16);
  const bool b_vec = k % 8 == 0 && aligned(w, 16);
  matmul_wmma<P><<<grid, kThreads, 0, stream>>>(out, x, static_cast<const uint16_t*>(w), m, n, k, bias, a_vec, b_vec);
  SIEVE_CUDA_CHECK_LAUNCH();
}

MatmulVariant resolve(WDType wdt, MatmulVariant v) {
  if (v != MatmulVariant::Auto) return v;
  return wdt == WDType::F32 ? MatmulVariant::Simt : MatmulVariant::TensorCore;
}

}  // namespace

void launch_matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                   const float* bias, cudaStream_t stream, MatmulVariant variant) {
  if (m <= 0 || n <= 0) return;
  if (variant == MatmulVariant::Auto && m == 1) return launch_gemv(out, x, w, wdt, n, k, bias, stream);
  if (ceil_div(m, kTileM) > 65535) throw std::invalid_argument("cuda matmul: m too large for one grid");
  const MatmulVariant v = resolve(wdt, variant);
  if (v == MatmulVariant::TensorCore) {
    if (wdt == WDType::F16) return launch_wmma<HalfPath>(out, x, w, m, n, k, bias, stream);
    if (wdt == WDType::BF16) return launch_wmma<Tf32Path>(out, x, w, m, n, k, bias, stream);
    throw std::invalid_argument("cuda matmul: the tensor-core variant takes f16 or bf16 weights");
  }
  switch (wdt) {
    case WDType::F32: return launch_simt<WDType::F32>(out, x, w, m, n, k, bias, stream);
    case WDType::F16: return launch_simt<WDType::F16>(out, x, w, m, n, k, bias, stream);
    case WDType::BF16: return launch_simt<WDType::BF16>(out, x, w, m, n, k, bias, stream);
  }
  throw std::invalid_argument("cuda matmul: unknown weight dtype " + std::to_string(static_cast<int>(wdt)));
}

const char* matmul_variant_name(WDType wdt, int64_t m, MatmulVariant variant) {
  if (variant == MatmulVariant::Auto && m == 1) return "gemv";
  const MatmulVariant v = resolve(wdt, variant);
  if (v == MatmulVariant::TensorCore) return wdt == WDType::F16 ? "wmma-f16-128x128x32" : "wmma-tf32-128x128x32";
  return "simt-f32-128x128x8";
}

}  // namespace sieve::cuda::detail

namespace sieve::cuda {

void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k, const float* bias) {
  detail::launch_matmul(out, x, w, wdt, m, n, k, bias, nullptr);
}

}  // namespace sieve::cuda
