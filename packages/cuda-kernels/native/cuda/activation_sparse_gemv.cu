// TEAL's batch-1 sparse GEMV over input-major weights wt[k, n]. A block owns a tile of output
// columns (one 128-bit load per lane: 256 half or 128 f32 columns) and a chunk of 256 candidate
// inputs. It first compacts the chunk's kept inputs into shared memory (one ballot per warp), so
// the rows of zeroed inputs are never read, then its 8 warps stream the kept rows' tile segments
// (each warp row-load is 512 contiguous bytes), with 8 rows' loads in flight per lane. The warps'
// partial sums meet in shared memory and one atomicAdd per column adds the block's share: either
// to out, which a small kernel first sets to the bias (two launches), or to a zeroed scratch whose
// last-arriving block per tile writes out (one launch). On an H200 one launch saved 0.5-0.7 us on
// the qkv and o projections at 50% and cost 1.4 us on gate+up (the last blocks' tail over 112
// tiles); the block as a whole was faster with it. Rows are read with the streaming hint: each
// weight byte is used once per token.
//
// Measured on an H200 (docs/results/gpu-h200.md) and not kept: 128 or 512 candidates per block
// (256 is best or within noise on every Llama-3-8B linear); a register cap allowing only 2 blocks
// per SM (the o projection at 0% took 19.5 us against 12.0 with 4 blocks); half-warp rows, i.e.
// half-width tiles and twice the blocks (qkv at 50% 12.9 us against 11.1, gate+up 36.9 against
// 33.5). Small matrices (qkv, o) stay latency-bound: each block's select / stream / reduce /
// arrive chain is a few dependent memory round trips, and the dense GEMV there is too (72% of
// the copy rate on the o projection).
#include "cuda/activation_sparse_gemv.cuh"
#include "cuda/common.cuh"

namespace sieve::cuda::detail {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * kWarp;
constexpr int kMaxChunk = 2 * kThreads;  // candidate inputs per block (two selection passes)
constexpr int kDefaultChunk = kThreads;
constexpr int kMinBlocksPerSm = 4;   // caps registers at 64 so 4 blocks (32 warps) share an SM

// Rows each warp loads before it multiplies: 8 x 128-bit per lane, or 4 x E scalars (more spills).
template <bool kVec>
__host__ __device__ constexpr int rows_in_flight() {
  return kVec ? 8 : 4;
}

// Elements one lane covers in a column tile: one 128-bit load.
template <WDType T>
__host__ __device__ constexpr int lane_elems() {
  return 16 / static_cast<int>(sizeof(typename Weight<T>::storage));
}

// Widens a 128-bit load into its elements.
template <WDType T>
__device__ __forceinline__ void widen_vec(const uint4& v, float* w) {
  if constexpr (T == WDType::F32) {
    w[0] = __uint_as_float(v.x), w[1] = __uint_as_float(v.y), w[2] = __uint_as_float(v.z), w[3] = __uint_as_float(v.w);
  } else {
    const uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      w[2 * i] = Weight<T>::widen(static_cast<uint16_t>(words[i] & 0xffffu));
      w[2 * i + 1] = Weight<T>::widen(static_cast<uint16_t>(words[i] >> 16));
    }
  }
}

// The tile column that element e of a lane covers. Vector lanes own E adjacent columns (one load);
// scalar lanes own columns e * 32 + lane, so each element's loads are coalesced across the warp.
template <int E, bool kVec>
__device__ __forceinline__ int tile_col(int lane, int e) {
  return kVec ? lane * E + e : e * kWarp + lane;
}

__global__ void init_out(float* __restrict__ out, const float* __restrict__ bias, int64_t n) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c < n) out[c] = bias != nullptr ? bias[c] : 0.0f;
}

// One call's arguments. sums/arrivals are null for the two-launch path (out pre-set, atomics into
// out), or a zeroed scratch for the single-launch path (atomics into sums; the last block of each
// column tile to arrive writes out = bias + sums and zeroes its sums and counter again).
struct Args {
  float* out;
  const float* x;
  const int32_t* idx;  // the candidates when indexed; else inputs [0, count) are the candidates
  int64_t count;
  int chunk;  // candidates per block, <= kMaxChunk
  float threshold;
  const void* wt;
  int64_t n;
  const float* bias;  // read by the single-launch path only (init_out applies it otherwise)
  float* sums;
  unsigned* arrivals;
};

// kIndexed: candidates are idx[0, count) (all kept); otherwise inputs [0, count) filtered by the
// threshold. kVec: n % E == 0 and wt 16-byte aligned, so each lane's E columns are one load.
// Block (tile, c) takes candidates [c * chunk, (c + 1) * chunk).
template <WDType T, bool kVec, bool kIndexed>
__global__ void __launch_bounds__(kThreads, kMinBlocksPerSm) teal_gemv_im(const Args a) {
  using S = typename Weight<T>::storage;
  constexpr int E = lane_elems<T>();
  constexpr int kTileN = kWarp * E;
  constexpr int kRowsInFlight = rows_in_flight<kVec>();
  __shared__ int32_t rows[kMaxChunk];
  __shared__ float coefs[kMaxChunk];
  __shared__ int kept_per_warp[kWarps];
  __shared__ float partial[kWarps][kTileN];
  __shared__ bool last_to_arrive;

  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const S* __restrict__ wt = static_cast<const S*>(a.wt);
  const int64_t n = a.n;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTileN;

  // 1. Compact this chunk's kept inputs (ascending) into rows/coefs, kThreads candidates a pass.
  int kept = 0;
  for (int pass = 0; pass < a.chunk; pass += kThreads) {
    const int slot = pass + static_cast<int>(threadIdx.x);
    const int64_t cand = static_cast<int64_t>(blockIdx.y) * a.chunk + slot;
    int32_t row = 0;
    float xv = 0.0f;
    bool keep = false;
    if (slot < a.chunk && cand < a.count) {
      row = kIndexed ? a.idx[cand] : static_cast<int32_t>(cand);
      xv = __ldg(a.x + row);
      keep = kIndexed || (a.threshold > 0.0f ? fabsf(xv) >= a.threshold : xv != 0.0f);
    }
    const unsigned ballot = __ballot_sync(0xffffffffu, keep);
    if (lane == 0) kept_per_warp[warp] = __popc(ballot);
    __syncthreads();
    int before = kept, total = 0;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const int c = kept_per_warp[w];
      before += w < warp ? c : 0;
      total += c;
    }
    if (keep) {
      const int at = before + __popc(ballot & ((1u << lane) - 1u));
      rows[at] = row;
      coefs[at] = xv;
    }
    kept += total;
    __syncthreads();  // rows/coefs complete; kept_per_warp free for the next pass
  }

  if (kept > 0) {  // uniform across the block
    // 2. Stream the kept rows' segments of this column tile. Warp w takes kept rows w, w + 8, ...;
    //    the last group's missing rows are masked (load skipped, coefficient 0) so its loads still
    //    overlap instead of trailing one by one.
    float acc[E];
#pragma unroll
    for (int e = 0; e < E; ++e) acc[e] = 0.0f;
    const bool lane_in = kVec && col0 + lane * E < n;  // vector lanes: all E columns in or all out
    for (int base = warp; base < kept; base += kRowsInFlight * kWarps) {
      float c[kRowsInFlight];
      if constexpr (kVec) {
        uint4 v[kRowsInFlight];
#pragma unroll
        for (int u = 0; u < kRowsInFlight; ++u) {
          const int at = base + u * kWarps;
          const bool ok = at < kept;
          c[u] = ok ? coefs[at] : 0.0f;
          v[u] = make_uint4(0, 0, 0, 0);
          if (ok && lane_in) {
            v[u] = __ldcs(reinterpret_cast<const uint4*>(wt + static_cast<int64_t>(rows[at]) * n + col0) + lane);
          }
        }
#pragma unroll
        for (int u = 0; u < kRowsInFlight; ++u) {
          float w[E];
          widen_vec<T>(v[u], w);
#pragma unroll
          for (int e = 0; e < E; ++e) acc[e] = fmaf(c[u], w[e], acc[e]);
        }
      } else {
        S v[kRowsInFlight][E];
#pragma unroll
        for (int u = 0; u < kRowsInFlight; ++u) {
          const int at = base + u * kWarps;
          const bool ok = at < kept;
          c[u] = ok ? coefs[at] : 0.0f;
          const S* wrow = wt + (ok ? static_cast<int64_t>(rows[at]) * n : 0) + col0;
#pragma unroll
          for (int e = 0; e < E; ++e) {
            const int64_t col = col0 + tile_col<E, false>(lane, e);
            v[u][e] = ok && col < n ? wrow[tile_col<E, false>(lane, e)] : S(0);
          }
        }
#pragma unroll
        for (int u = 0; u < kRowsInFlight; ++u) {
#pragma unroll
          for (int e = 0; e < E; ++e) acc[e] = fmaf(c[u], Weight<T>::widen(v[u][e]), acc[e]);
        }
      }
    }

    // 3. Sum the warps' partials per column; one atomic per column adds the block's share.
#pragma unroll
    for (int e = 0; e < E; ++e) partial[warp][tile_col<E, kVec>(lane, e)] = acc[e];
    __syncthreads();
    float* target = a.sums != nullptr ? a.sums : a.out;
    for (int c = threadIdx.x; c < kTileN; c += kThreads) {
      if (col0 + c >= n) continue;
      float s = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) s += partial[w][c];
      atomicAdd(target + col0 + c, s);
    }
  }
  if (a.sums == nullptr) return;

  // 4. Single launch: every block of the tile arrives (even one that kept nothing); the last one
  //    sees all the others' sums (the fence orders each block's atomics before its arrival).
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last_to_arrive = atomicAdd(a.arrivals + blockIdx.x, 1u) == gridDim.y - 1;
  __syncthreads();
  if (!last_to_arrive) return;
  __threadfence();
  for (int c = threadIdx.x; c < kTileN; c += kThreads) {
    const int64_t col = col0 + c;
    if (col >= n) continue;
    const float total = atomicExch(a.sums + col, 0.0f);  // reads the L2 copy and leaves it zeroed
    a.out[col] = total + (a.bias != nullptr ? a.bias[col] : 0.0f);
  }
  if (threadIdx.x == 0) a.arrivals[blockIdx.x] = 0;
}

template <WDType T>
bool can_vectorize(const void* wt, int64_t n) {
  return n % lane_elems<T>() == 0 && aligned(wt, 16);
}

int64_t column_tiles(WDType wdt, int64_t n) { return ceil_div(n, kWarp * (wdt == WDType::F32 ? 4 : 8)); }

template <WDType T, bool kIndexed>
void launch_typed(Args a, const SparseGemvLaunch& how) {
  const int64_t chunks = ceil_div(a.count, a.chunk);
  const dim3 grid(static_cast<unsigned>(column_tiles(T, a.n)), static_cast<unsigned>(chunks));
  if (can_vectorize<T>(a.wt, a.n)) {
    teal_gemv_im<T, true, kIndexed><<<grid, kThreads, 0, how.stream>>>(a);
  } else {
    teal_gemv_im<T, false, kIndexed><<<grid, kThreads, 0, how.stream>>>(a);
  }
  SIEVE_CUDA_CHECK_LAUNCH();
}

template <bool kIndexed>
void launch(Args a, WDType wdt, const SparseGemvLaunch& how) {
  if (a.n <= 0) return;
  a.chunk = how.chunk > 0 ? how.chunk : kDefaultChunk;
  if (a.chunk > kMaxChunk) {
    throw std::invalid_argument("cuda sparse gemv: chunk " + std::to_string(a.chunk) + " > " + std::to_string(kMaxChunk));
  }
  if (ceil_div(a.count, a.chunk) > 65535) {
    throw std::invalid_argument("cuda sparse gemv: too many inputs (" + std::to_string(a.count) + ")");
  }
  const SparseGemvScratch* scratch = how.scratch;
  if (scratch != nullptr && a.n > scratch->n_max) {
    throw std::invalid_argument("cuda sparse gemv: scratch holds " + std::to_string(scratch->n_max) + " columns, n is " +
                                std::to_string(a.n));
  }
  if (scratch == nullptr || a.count <= 0) {  // two launches; also when no block would run to write out
    launch_sparse_gemv_out_init(a.out, a.bias, a.n, how.stream);
    if (a.count <= 0) return;
    a.sums = nullptr;
    a.arrivals = nullptr;
  } else {
    a.sums = scratch->sums;
    a.arrivals = scratch->arrivals;
  }
  switch (wdt) {
    case WDType::F32: return launch_typed<WDType::F32, kIndexed>(a, how);
    case WDType::F16: return launch_typed<WDType::F16, kIndexed>(a, how);
    case WDType::BF16: return launch_typed<WDType::BF16, kIndexed>(a, how);
  }
  throw std::invalid_argument("cuda sparse gemv: unknown weight dtype " + std::to_string(static_cast<int>(wdt)));
}

}  // namespace

void launch_threshold_gemv_im(float* out, const float* x, float threshold, const void* wt, WDType wdt, int64_t k,
                              int64_t n, const float* bias, const SparseGemvLaunch& how) {
  launch<false>(Args{out, x, nullptr, k, 0, threshold, wt, n, bias, nullptr, nullptr}, wdt, how);
}

void launch_sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                           int64_t n, const float* bias, const SparseGemvLaunch& how) {
  launch<true>(Args{out, x, idx, count, 0, 0.0f, wt, n, bias, nullptr, nullptr}, wdt, how);
}

void launch_sparse_gemv_out_init(float* out, const float* bias, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  init_out<<<static_cast<unsigned>(ceil_div(n, kThreads)), kThreads, 0, stream>>>(out, bias, n);
  SIEVE_CUDA_CHECK_LAUNCH();
}

SparseGemvScratch alloc_sparse_gemv_scratch(int64_t n_max) {
  SparseGemvScratch s;
  s.n_max = n_max;
  const int64_t tiles = column_tiles(WDType::F32, n_max);  // f32 tiles are the narrowest
  SIEVE_CUDA_CHECK(cudaMalloc(&s.sums, static_cast<size_t>(n_max) * sizeof(float)));
  SIEVE_CUDA_CHECK(cudaMalloc(&s.arrivals, static_cast<size_t>(tiles) * sizeof(unsigned)));
  SIEVE_CUDA_CHECK(cudaMemset(s.sums, 0, static_cast<size_t>(n_max) * sizeof(float)));
  SIEVE_CUDA_CHECK(cudaMemset(s.arrivals, 0, static_cast<size_t>(tiles) * sizeof(unsigned)));
  return s;
}

void free_sparse_gemv_scratch(SparseGemvScratch& s) {
  if (s.sums != nullptr) cudaFree(s.sums);
  if (s.arrivals != nullptr) cudaFree(s.arrivals);
  s = SparseGemvScratch{};
}

const char* activation_sparse_gemv_variant(const void* wt, WDType wdt, int64_t n, bool indexed) {
  switch (wdt) {
    case WDType::F32:
      if (can_vectorize<WDType::F32>(wt, n)) return indexed ? "teal-im-idx-vec128-f32" : "teal-im-vec128-f32";
      return indexed ? "teal-im-idx-scalar-f32" : "teal-im-scalar-f32";
    case WDType::F16:
      if (can_vectorize<WDType::F16>(wt, n)) return indexed ? "teal-im-idx-vec128-f16" : "teal-im-vec128-f16";
      return indexed ? "teal-im-idx-scalar-f16" : "teal-im-scalar-f16";
    case WDType::BF16:
      if (can_vectorize<WDType::BF16>(wt, n)) return indexed ? "teal-im-idx-vec128-bf16" : "teal-im-vec128-bf16";
      return indexed ? "teal-im-idx-scalar-bf16" : "teal-im-scalar-bf16";
  }
  return "teal-im-unknown";
}

}  // namespace sieve::cuda::detail

namespace sieve::cuda {

void threshold_gemv_im(float* out, const float* x, float threshold, const void* wt, WDType wdt, int64_t k, int64_t n,
                       const float* bias) {
  detail::launch_threshold_gemv_im(out, x, threshold, wt, wdt, k, n, bias);
}

void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias) {
  detail::launch_sparse_gemv_im(out, x, idx, count, wt, wdt, n, bias);
}

}  // namespace sieve::cuda
