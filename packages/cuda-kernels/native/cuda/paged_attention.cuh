// paged_attention.cu: causal GQA attention of each query token over its sequence's paged K/V.
// Token t (sequence token_seq[t], position token_pos[t]) attends to keys 0..pos; logical key j
// lives in physical page block_table[seq, j / page_size], slot j % page_size. Query head h reads
// KV head h / (n_heads / n_kv_heads). Keys on unmapped pages (-1) are skipped.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sieve/cuda_kernels.h"

namespace sieve::cuda::detail {

// Largest head_dim the kernels take (each lane keeps its share of a head in registers).
constexpr int64_t kMaxAttentionHeadDim = 512;

// How many pieces each (token, head)'s key range is split into (flash-decoding) when there are
// too few (token, head) pairs to fill the device; 1 means no split.
int paged_attention_splits(const PagedAttentionParams& p);

// Enqueues the attention on `stream`. splits <= 0 chooses automatically; a positive value forces
// that many key-range splits (the check driver uses it to test both code paths).
void launch_paged_attention(const PagedAttentionParams& p, cudaStream_t stream, int splits = 0);

}  // namespace sieve::cuda::detail
