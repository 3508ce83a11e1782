// Paged attention: one block of 4 warps per (token, query head, key split). Each warp walks every
// 4th key of the split, two keys per step (two K rows and two V rows in flight), keeping an online
// softmax (running max m, running sum l, unnormalised accumulator) with its lanes each holding a
// slice of the head in registers. The 4 warps merge through shared memory at the end.
//
// Decode has few (token, head) pairs but long contexts; one block per pair would leave most SMs
// idle and each warp latency-bound, so the key range is split across blocks and a second kernel
// merges the partial (m, l, acc) triples. Prefill has many pairs and runs with one split.
#include <cfloat>
#include <cmath>
#include <mutex>

#include "cuda/common.cuh"
#include "cuda/paged_attention.cuh"
#include "cuda/status.cuh"

namespace sieve::cuda::detail {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * kWarp;
constexpr int kKeysPerStep = 2;  // keys each warp has in flight per step
constexpr int kMaxSplits = 64;
constexpr int64_t kMinKeysPerSplit = 256;  // below this a split costs more than it hides

// Loads the lane's chunk of a head vector: W = 4 reads one float4 (head_dim % 4 == 0, aligned),
// W = 1 one float. Dims past head_dim read as 0.
template <int W>
__device__ __forceinline__ void load_chunk(float* dst, const float* __restrict__ src, int64_t d0, int64_t hd) {
  if constexpr (W == 4) {
    if (d0 < hd) {
      const float4 v = __ldg(reinterpret_cast<const float4*>(src + d0));
      dst[0] = v.x;
      dst[1] = v.y;
      dst[2] = v.z;
      dst[3] = v.w;
    } else {
      dst[0] = dst[1] = dst[2] = dst[3] = 0.0f;
    }
  } else {
    dst[0] = d0 < hd ? __ldg(src + d0) : 0.0f;
  }
}

// NCH chunks of W floats per lane: the lane owns dims (c * 32 + lane) * W .. + W for c < NCH.
template <int NCH, int W>
__global__ void __launch_bounds__(kThreads)
    attention_kernel(const PagedAttentionParams p, int64_t keys_per_split, float* __restrict__ ws_acc,
                     float* __restrict__ ws_ml) {
  constexpr int R = NCH * W;  // floats per lane
  extern __shared__ float smem[];  // [kWarps][hd] accumulators, then [kWarps] m, then [kWarps] l
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const int64_t hd = p.head_dim;
  const int64_t th = blockIdx.x;  // token * n_heads + head
  const int64_t tok = th / p.n_heads;
  const int64_t head = th % p.n_heads;
  const int64_t kv_head = head / (p.n_heads / p.n_kv_heads);
  const int split = blockIdx.y;
  const int nsplit = gridDim.y;

  const int64_t seq = p.token_seq[tok];
  const int64_t key_bound = p.max_pages_per_seq * p.page_size;
  const int64_t pos1 = static_cast<int64_t>(p.token_pos[tok]) + 1;
  const int64_t n_keys = pos1 < key_bound ? pos1 : key_bound;
  const int64_t begin = split * keys_per_split;
  const int64_t end = n_keys < begin + keys_per_split ? n_keys : begin + keys_per_split;
  const int32_t* __restrict__ pages = p.block_table + seq * p.max_pages_per_seq;
  const int64_t slot_stride = p.n_kv_heads * hd;
  const float* __restrict__ k_head = p.k_pool + kv_head * hd;
  const float* __restrict__ v_head = p.v_pool + kv_head * hd;

  float q[R], acc[R];
  const float* __restrict__ q_row = p.q + th * hd;
#pragma unroll
  for (int c = 0; c < NCH; ++c) load_chunk<W>(q + c * W, q_row, (static_cast<int64_t>(c) * kWarp + lane) * W, hd);
#pragma unroll
  for (int i = 0; i < R; ++i) {
    q[i] *= p.scale;
    acc[i] = 0.0f;
  }
  float m = -INFINITY;  // running max of the scores seen by this warp
  float l = 0.0f;       // running sum of exp(score - m)

  for (int64_t j0 = begin + warp; j0 < end; j0 += kWarps * kKeysPerStep) {
    float kv[kKeysPerStep][R], vv[kKeysPerStep][R], s[kKeysPerStep];
    bool ok[kKeysPerStep];
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u) {
      const int64_t j = j0 + static_cast<int64_t>(u) * kWarps;
      const int64_t page = j < end ? pages[j / p.page_size] : -1;
      ok[u] = page >= 0;  // uniform across the warp: every lane reads the same key
      const int64_t off = ok[u] ? (page * p.page_size + j % p.page_size) * slot_stride : 0;
#pragma unroll
      for (int c = 0; c < NCH; ++c) {
        const int64_t d0 = (static_cast<int64_t>(c) * kWarp + lane) * W;
        if (ok[u]) {
          load_chunk<W>(kv[u] + c * W, k_head + off, d0, hd);
          load_chunk<W>(vv[u] + c * W, v_head + off, d0, hd);
        } else {
#pragma unroll
          for (int e = 0; e < W; ++e) kv[u][c * W + e] = vv[u][c * W + e] = 0.0f;
        }
      }
    }
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u) {
      float partial = 0.0f;
#pragma unroll
      for (int i = 0; i < R; ++i) partial += q[i] * kv[u][i];
      s[u] = warp_sum(partial);
    }
    float m_new = m;
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u)
      if (ok[u]) m_new = fmaxf(m_new, s[u]);
    if (m_new == -INFINITY) continue;  // no mapped key in this step
    const float corr = __expf(m - m_new);  // 0 on the first key (m = -inf)
    l *= corr;
#pragma unroll
    for (int i = 0; i < R; ++i) acc[i] *= corr;
#pragma unroll
    for (int u = 0; u < kKeysPerStep; ++u) {
      if (!ok[u]) continue;
      const float pu = __expf(s[u] - m_new);
      l += pu;
#pragma unroll
      for (int i = 0; i < R; ++i) acc[i] += pu * vv[u][i];
    }
    m = m_new;
  }

  // Merge the warps: rescale each to the block's max, then sum.
  float* sm_acc = smem;
  float* sm_m = smem + kWarps * hd;
  float* sm_l = sm_m + kWarps;
#pragma unroll
  for (int c = 0; c < NCH; ++c) {
#pragma unroll
    for (int e = 0; e < W; ++e) {
      const int64_t d = (static_cast<int64_t>(c) * kWarp + lane) * W + e;
      if (d < hd) sm_acc[warp * hd + d] = acc[c * W + e];
    }
  }
  if (lane == 0) {
    sm_m[warp] = m;
    sm_l[warp] = l;
  }
  __syncthreads();
  float big = -INFINITY;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) big = fmaxf(big, sm_m[w]);
  float wt[kWarps];
  float sum = 0.0f;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) {
    wt[w] = sm_m[w] == -INFINITY ? 0.0f : __expf(sm_m[w] - big);
    sum += sm_l[w] * wt[w];
  }
  const int64_t part = th * nsplit + split;
  for (int64_t d = threadIdx.x; d < hd; d += kThreads) {
    float a = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) a += sm_acc[w * hd + d] * wt[w];
    if (nsplit == 1) {
      p.out[th * hd + d] = sum > 0.0f ? a / sum : 0.0f;
    } else {
      ws_acc[part * hd + d] = a;
    }
  }
  if (nsplit > 1 && threadIdx.x == 0) {
    ws_ml[part * 2] = big;
    ws_ml[part * 2 + 1] = sum;
  }
}

// Merges the splits of one (token, head): the same rescale-and-sum as the warp merge above.
__global__ void __launch_bounds__(kThreads)
    combine_splits(float* __restrict__ out, const float* __restrict__ ws_acc, const float* __restrict__ ws_ml,
                   int nsplit, int64_t hd) {
  __shared__ float wt[kMaxSplits];
  __shared__ float total;
  const int64_t th = blockIdx.x;
  if (threadIdx.x == 0) {
    float big = -INFINITY;
    for (int s = 0; s < nsplit; ++s) big = fmaxf(big, ws_ml[(th * nsplit + s) * 2]);
    float sum = 0.0f;
    for (int s = 0; s < nsplit; ++s) {
      const float ms = ws_ml[(th * nsplit + s) * 2];
      wt[s] = ms == -INFINITY ? 0.0f : __expf(ms - big);
      sum += ws_ml[(th * nsplit + s) * 2 + 1] * wt[s];
    }
    total = sum;
  }
  __syncthreads();
  for (int64_t d = threadIdx.x; d < hd; d += blockDim.x) {
    float a = 0.0f;
    for (int s = 0; s < nsplit; ++s) a += ws_acc[(th * nsplit + s) * hd + d] * wt[s];
    out[th * hd + d] = total > 0.0f ? a / total : 0.0f;
  }
}

// Scratch for split partials: grown on demand, one buffer per device, never shrunk. Safe because
// every launch here uses the legacy default stream, which orders users of the buffer; cudaFree
// of an outgrown buffer synchronizes the device first.
float* split_workspace(size_t bytes) {
  constexpr int kMaxDevices = 64;
  static std::mutex mu;
  static void* buf[kMaxDevices] = {};
  static size_t cap[kMaxDevices] = {};
  int dev = 0;
  SIEVE_CUDA_CHECK(cudaGetDevice(&dev));
  if (dev < 0 || dev >= kMaxDevices) throw std::runtime_error("cuda paged_attention: device id out of range");
  std::lock_guard<std::mutex> lock(mu);
  if (cap[dev] < bytes) {
    if (buf[dev] != nullptr) SIEVE_CUDA_CHECK(cudaFree(buf[dev]));
    buf[dev] = nullptr;
    cap[dev] = 0;
    SIEVE_CUDA_CHECK(cudaMalloc(&buf[dev], bytes));
    cap[dev] = bytes;
  }
  return static_cast<float*>(buf[dev]);
}

template <int NCH, int W>
void launch_main(const PagedAttentionParams& p, int nsplit, int64_t keys_per_split, float* ws_acc, float* ws_ml,
                 cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.num_tokens * p.n_heads), static_cast<unsigned>(nsplit));
  const size_t smem = static_cast<size_t>(kWarps * p.head_dim + 2 * kWarps) * sizeof(float);
  attention_kernel<NCH, W><<<grid, kThreads, smem, stream>>>(p, keys_per_split, ws_acc, ws_ml);
  SIEVE_CUDA_CHECK_LAUNCH();
}

// Picks the instantiation whose register slice covers head_dim.
void dispatch(const PagedAttentionParams& p, bool vec, int nsplit, int64_t kps, float* ws_acc, float* ws_ml,
              cudaStream_t stream) {
  const int64_t hd = p.head_dim;
  if (vec) {
    if (hd <= 128) return launch_main<1, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
    if (hd <= 256) return launch_main<2, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
    return launch_main<4, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
  }
  if (hd <= 32) return launch_main<1, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if (hd <= 64) return launch_main<2, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if (hd <= 128) return launch_main<4, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if (hd <= 256) return launch_main<8, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  return launch_main<16, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
}

void check_params(const PagedAttentionParams& p) {
  if (p.n_kv_heads <= 0 || p.n_heads % p.n_kv_heads != 0) {
    throw std::invalid_argument("cuda paged_attention: n_heads must be a positive multiple of n_kv_heads");
  }
  if (p.head_dim > kMaxAttentionHeadDim) {
    throw std::invalid_argument("cuda paged_attention: head_dim " + std::to_string(p.head_dim) + " exceeds " +
                                std::to_string(kMaxAttentionHeadDim));
  }
  if (p.page_size <= 0) throw std::invalid_argument("cuda paged_attention: page_size must be positive");
  if (p.num_tokens * p.n_heads > 0x7fffffff) throw std::invalid_argument("cuda paged_attention: too many tokens");
}

}  // namespace

int paged_attention_splits(const PagedAttentionParams& p) {
  const int64_t pairs = p.num_tokens * p.n_heads;
  if (pairs <= 0) return 1;
  // Aim for about 16 blocks (64 warps) per SM: enough loads in flight to cover HBM latency.
  const int64_t want_blocks = static_cast<int64_t>(sm_count()) * 16;
  if (pairs >= want_blocks) return 1;
  const int64_t key_bound = p.max_pages_per_seq * p.page_size;  // the longest any token can attend
  int64_t splits = std::min(ceil_div(want_blocks, pairs), ceil_div(key_bound, kMinKeysPerSplit));
  splits = std::max<int64_t>(1, std::min<int64_t>(splits, kMaxSplits));
  return static_cast<int>(splits);
}

void launch_paged_attention(const PagedAttentionParams& p, cudaStream_t stream, int splits) {
  check_params(p);
  if (p.num_tokens <= 0 || p.n_heads <= 0 || p.head_dim <= 0) return;
  const bool vec = p.head_dim % 4 == 0 && aligned(p.q, 16) && aligned(p.k_pool, 16) && aligned(p.v_pool, 16);
  int nsplit = splits > 0 ? std::min(splits, kMaxSplits) : paged_attention_splits(p);
  const int64_t key_bound = std::max<int64_t>(1, p.max_pages_per_seq * p.page_size);
  const int64_t kps = ceil_div(key_bound, nsplit);
  if (nsplit == 1) return dispatch(p, vec, 1, key_bound, nullptr, nullptr, stream);

  const int64_t parts = p.num_tokens * p.n_heads * nsplit;
  float* ws = split_workspace(static_cast<size_t>(parts * (p.head_dim + 2)) * sizeof(float));
  float* ws_acc = ws;
  float* ws_ml = ws + parts * p.head_dim;
  dispatch(p, vec, nsplit, kps, ws_acc, ws_ml, stream);
  combine_splits<<<static_cast<unsigned>(p.num_tokens * p.n_heads), kThreads, 0, stream>>>(p.out, ws_acc, ws_ml, nsplit,
                                                                                           p.head_dim);
  SIEVE_CUDA_CHECK_LAUNCH();
}

}  // namespace sieve::cuda::detail

namespace sieve::cuda {

void paged_attention(const PagedAttentionParams& p) { detail::launch_paged_attention(p, nullptr, 0); }

}  // namespace sieve::cuda
