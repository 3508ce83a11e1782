// Paged attention: one block of 4 warps per (token, KV head, head chunk, key split). The query
// heads of a GQA group that share a KV head are processed together (up to G per block), so each
// key and value row is read once for the whole group instead of once per query head. Each warp
// walks every 4th page of its key range and, inside a page, two keys per step (two K and two V
// rows in flight). Lanes hold a slice of the head dimension in registers; per key and query head
// the warp reduces a dot product with shuffles and updates an online softmax (running max m,
// running sum l, unnormalised accumulator). The 4 warps merge through shared memory at the end.
//
// Decode has few (token, KV head) pairs but long contexts; one block per pair would leave most
// SMs idle and each warp latency-bound, so the key range is split (in whole pages) across blocks
// and a second kernel merges the partial (m, l, acc) triples. Prefill has many pairs: one split.
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
constexpr int kMaxSplits = 64;
constexpr int64_t kMinKeysPerSplit = 128;  // below this a split costs more than it hides

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

// Loads one key's K and V slices (R = NCH * W floats per lane).
template <int NCH, int W>
__device__ __forceinline__ void load_kv(float* k, float* v, const float* __restrict__ k_row,
                                        const float* __restrict__ v_row, int lane, int64_t hd) {
#pragma unroll
  for (int c = 0; c < NCH; ++c) {
    const int64_t d0 = (static_cast<int64_t>(c) * kWarp + lane) * W;
    load_chunk<W>(k + c * W, k_row, d0, hd);
    load_chunk<W>(v + c * W, v_row, d0, hd);
  }
}

// Block = (token, KV head, chunk of up to G query heads, split). NCH chunks of W floats per lane:
// the lane owns dims (c * 32 + lane) * W .. + W for c < NCH.
template <int NCH, int W, int G>
__global__ void __launch_bounds__(kThreads)
    attention_kernel(const PagedAttentionParams p, int64_t chunks, int64_t keys_per_split, float* __restrict__ ws_acc,
                     float* __restrict__ ws_ml) {
  constexpr int R = NCH * W;  // floats per lane per head
  extern __shared__ float smem[];  // [kWarps][G][hd] accumulators, then [kWarps][G] m, then l
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const int64_t hd = p.head_dim;
  const int64_t ps = p.page_size;
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t chunk = blockIdx.x % chunks;
  const int64_t kv_head = (blockIdx.x / chunks) % p.n_kv_heads;
  const int64_t tok = blockIdx.x / chunks / p.n_kv_heads;
  const int64_t head0 = kv_head * group + chunk * G;  // first query head of this block
  const int64_t g_count = group - chunk * G < G ? group - chunk * G : G;
  const int split = blockIdx.y;
  const int nsplit = gridDim.y;

  const int64_t seq = p.token_seq[tok];
  const int64_t key_bound = p.max_pages_per_seq * ps;
  const int64_t pos1 = static_cast<int64_t>(p.token_pos[tok]) + 1;
  const int64_t n_keys = pos1 < key_bound ? pos1 : key_bound;
  const int64_t begin = split * keys_per_split;  // a multiple of page_size
  const int64_t end = n_keys < begin + keys_per_split ? n_keys : begin + keys_per_split;
  const int32_t* __restrict__ pages = p.block_table + seq * p.max_pages_per_seq;
  const int64_t slot_stride = p.n_kv_heads * hd;

  float q[G][R], acc[G][R], m[G], l[G];
#pragma unroll
  for (int g = 0; g < G; ++g) {
    const float* __restrict__ q_row = p.q + ((tok * p.n_heads) + head0 + (g < g_count ? g : 0)) * hd;
#pragma unroll
    for (int c = 0; c < NCH; ++c) load_chunk<W>(q[g] + c * W, q_row, (static_cast<int64_t>(c) * kWarp + lane) * W, hd);
#pragma unroll
    for (int i = 0; i < R; ++i) {
      q[g][i] *= p.scale;
      acc[g][i] = 0.0f;
    }
    m[g] = -INFINITY;
    l[g] = 0.0f;
  }

  const int64_t first_page = begin / ps;
  const int64_t last_page = end > begin ? (end + ps - 1) / ps : first_page;  // exclusive
  for (int64_t pg = first_page + warp; pg < last_page; pg += kWarps) {
    const int64_t page = pages[pg];
    if (page < 0) continue;  // unmapped: the binding rejects these inside a context; skip defensively
    const int64_t key0 = pg * ps;
    const int64_t n_in = end - key0 < ps ? end - key0 : ps;  // keys of this page inside the range
    const float* __restrict__ k_page = p.k_pool + page * ps * slot_stride + kv_head * hd;
    const float* __restrict__ v_page = p.v_pool + page * ps * slot_stride + kv_head * hd;
    for (int64_t o = 0; o < n_in; o += 2) {
      const bool two = o + 1 < n_in;  // uniform across the warp
      float k0[R], v0[R], k1[R], v1[R];
      load_kv<NCH, W>(k0, v0, k_page + o * slot_stride, v_page + o * slot_stride, lane, hd);
      if (two) {
        load_kv<NCH, W>(k1, v1, k_page + (o + 1) * slot_stride, v_page + (o + 1) * slot_stride, lane, hd);
      } else {
#pragma unroll
        for (int i = 0; i < R; ++i) k1[i] = v1[i] = 0.0f;
      }
#pragma unroll
      for (int g = 0; g < G; ++g) {
        if (g >= g_count) break;  // uniform: the chunk's last heads may not exist
        float d0 = 0.0f, d1 = 0.0f;
#pragma unroll
        for (int i = 0; i < R; ++i) {
          d0 += q[g][i] * k0[i];
          d1 += q[g][i] * k1[i];
        }
        const float s0 = warp_sum(d0);
        const float s1 = two ? warp_sum(d1) : -INFINITY;
        const float m_new = fmaxf(m[g], fmaxf(s0, s1));
        const float corr = __expf(m[g] - m_new);  // 0 on the first key (m = -inf)
        const float p0 = __expf(s0 - m_new);
        const float p1 = two ? __expf(s1 - m_new) : 0.0f;
        l[g] = l[g] * corr + p0 + p1;
#pragma unroll
        for (int i = 0; i < R; ++i) acc[g][i] = acc[g][i] * corr + p0 * v0[i] + p1 * v1[i];
        m[g] = m_new;
      }
    }
  }

  // Merge the warps per head: rescale each warp to the block's max, then sum.
  float* sm_acc = smem;                        // [kWarps][G][hd]
  float* sm_m = smem + kWarps * G * hd;        // [kWarps][G]
  float* sm_l = sm_m + kWarps * G;             // [kWarps][G]
#pragma unroll
  for (int g = 0; g < G; ++g) {
#pragma unroll
    for (int c = 0; c < NCH; ++c) {
#pragma unroll
      for (int e = 0; e < W; ++e) {
        const int64_t d = (static_cast<int64_t>(c) * kWarp + lane) * W + e;
        if (d < hd) sm_acc[(warp * G + g) * hd + d] = acc[g][c * W + e];
      }
    }
    if (lane == 0) {
      sm_m[warp * G + g] = m[g];
      sm_l[warp * G + g] = l[g];
    }
  }
  __syncthreads();
  for (int64_t g = 0; g < g_count; ++g) {
    float big = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) big = fmaxf(big, sm_m[w * G + g]);
    float wt[kWarps];
    float sum = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      wt[w] = sm_m[w * G + g] == -INFINITY ? 0.0f : __expf(sm_m[w * G + g] - big);
      sum += sm_l[w * G + g] * wt[w];
    }
    const int64_t th = tok * p.n_heads + head0 + g;  // (token, query head)
    const int64_t part = th * nsplit + split;
    for (int64_t d = threadIdx.x; d < hd; d += kThreads) {
      float a = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) a += sm_acc[(w * G + g) * hd + d] * wt[w];
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

// Query heads per block for a head slice of R floats per lane: G * R registers each for q and
// the accumulator, so wide heads take fewer heads at a time.
int64_t heads_per_block(int64_t group, int r) {
  if (group == 1) return 1;
  if (group <= 4 || r > 4) return r > 8 ? 1 : 4;
  return 8;
}

template <int NCH, int W, int G>
void launch_main(const PagedAttentionParams& p, int nsplit, int64_t kps, float* ws_acc, float* ws_ml,
                 cudaStream_t stream) {
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t chunks = ceil_div(group, G);
  const dim3 grid(static_cast<unsigned>(p.num_tokens * p.n_kv_heads * chunks), static_cast<unsigned>(nsplit));
  const size_t smem = static_cast<size_t>(kWarps * G * p.head_dim + 2 * kWarps * G) * sizeof(float);
  attention_kernel<NCH, W, G><<<grid, kThreads, smem, stream>>>(p, chunks, kps, ws_acc, ws_ml);
  SIEVE_CUDA_CHECK_LAUNCH();
}

template <int NCH, int W>
void launch_heads(const PagedAttentionParams& p, int nsplit, int64_t kps, float* ws_acc, float* ws_ml,
                  cudaStream_t stream) {
  constexpr int R = NCH * W;
  const int64_t g = heads_per_block(p.n_heads / p.n_kv_heads, R);
  if (g == 1) return launch_main<NCH, W, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if constexpr (R <= 8) {
    if (g == 4) return launch_main<NCH, W, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
  }
  if constexpr (R <= 4) {
    if (g == 8) return launch_main<NCH, W, 8>(p, nsplit, kps, ws_acc, ws_ml, stream);
  }
  throw std::logic_error("cuda paged_attention: no kernel for this head grouping");
}

// Picks the instantiation whose register slice covers head_dim.
void dispatch(const PagedAttentionParams& p, bool vec, int nsplit, int64_t kps, float* ws_acc, float* ws_ml,
              cudaStream_t stream) {
  const int64_t hd = p.head_dim;
  if (vec) {
    if (hd <= 128) return launch_heads<1, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
    if (hd <= 256) return launch_heads<2, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
    return launch_heads<4, 4>(p, nsplit, kps, ws_acc, ws_ml, stream);
  }
  if (hd <= 32) return launch_heads<1, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if (hd <= 64) return launch_heads<2, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if (hd <= 128) return launch_heads<4, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  if (hd <= 256) return launch_heads<8, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
  return launch_heads<16, 1>(p, nsplit, kps, ws_acc, ws_ml, stream);
}

// Floats per lane per head of the instantiation dispatch() picks.
int lane_floats(int64_t hd, bool vec) {
  if (vec) return hd <= 128 ? 4 : hd <= 256 ? 8 : 16;
  return hd <= 32 ? 1 : hd <= 64 ? 2 : hd <= 128 ? 4 : hd <= 256 ? 8 : 16;
}

bool vector_path(const PagedAttentionParams& p) {
  return p.head_dim % 4 == 0 && aligned(p.q, 16) && aligned(p.k_pool, 16) && aligned(p.v_pool, 16);
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
  if (p.num_tokens <= 0 || p.n_kv_heads <= 0) return 1;
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t chunks = ceil_div(group, heads_per_block(group, lane_floats(p.head_dim, vector_path(p))));
  const int64_t blocks = p.num_tokens * p.n_kv_heads * chunks;
  // Aim for about 16 blocks (64 warps) per SM: enough loads in flight to cover HBM latency.
  const int64_t want_blocks = static_cast<int64_t>(sm_count()) * 16;
  if (blocks >= want_blocks) return 1;
  const int64_t key_bound = p.max_pages_per_seq * p.page_size;  // the longest any token can attend
  int64_t splits = std::min(ceil_div(want_blocks, blocks), ceil_div(key_bound, kMinKeysPerSplit));
  splits = std::max<int64_t>(1, std::min<int64_t>(splits, kMaxSplits));
  return static_cast<int>(splits);
}

void launch_paged_attention(const PagedAttentionParams& p, cudaStream_t stream, int splits) {
  check_params(p);
  if (p.num_tokens <= 0 || p.n_heads <= 0 || p.head_dim <= 0) return;
  const bool vec = vector_path(p);
  const int nsplit = splits > 0 ? std::min(splits, kMaxSplits) : paged_attention_splits(p);
  const int64_t key_bound = std::max<int64_t>(1, p.max_pages_per_seq * p.page_size);
  // Splits cover whole pages, so each warp looks up a page once and walks its slots.
  const int64_t kps = ceil_div(ceil_div(key_bound, nsplit), p.page_size) * p.page_size;
  if (nsplit == 1) return dispatch(p, vec, 1, kps, nullptr, nullptr, stream);

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
