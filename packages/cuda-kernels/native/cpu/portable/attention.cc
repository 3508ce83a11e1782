// Portable paged KV cache kernels: slot writes, and causal attention with an online softmax over
// pages. For one (token, KV head) work item, all (selected) query heads of the group are processed
// together so each key and value row is loaded once; per page, the group's scores are computed,
// the running maximum is updated once, the accumulators are rescaled once, and the page's values
// are added. Holes in the block table (-1 below a token's own page) are skipped, and an optional
// head subset limits the heads computed (the others' outputs are zeroed). Memory per thread is
// O(group * (pageSize + headDim)), independent of the context length.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu/attention_plan.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {

// Slots were range-checked by the caller (the binding).
void paged_kv_write(const PagedKvWriteParams& p) {
  const int64_t row = p.n_kv_heads * p.head_dim;
  const size_t bytes = static_cast<size_t>(row) * sizeof(float);
  for (int64_t t = 0; t < p.num_tokens; ++t) {
    const int64_t dst = static_cast<int64_t>(p.slots[t]) * row;
    std::memcpy(p.k_pool + dst, p.k + t * row, bytes);
    std::memcpy(p.v_pool + dst, p.v + t * row, bytes);
  }
}

namespace {

struct GroupState {
  std::vector<float> scores;  // [group, pageSize]
  std::vector<float> acc;     // [group, headDim]
  std::vector<float> max;     // [group]
  std::vector<float> sum;     // [group]
};

// Attention of query token t over its sequence, for the selected query heads of KV head kvh
// (heads[0..ng), absolute ids). Pages mapped to -1 (holes) are skipped: their positions are
// simply absent from the softmax.
void attend_item(const PagedAttentionParams& p, int64_t t, int64_t kvh, const int32_t* heads, int64_t ng,
                 GroupState& st) {
  const int64_t hd = p.head_dim;
  const int64_t ps = p.page_size;
  const int64_t kv_row = p.n_kv_heads * hd;  // floats per pool slot
  const int64_t len = static_cast<int64_t>(p.token_pos[t]) + 1;
  const int32_t* pages = p.block_table + static_cast<int64_t>(p.token_seq[t]) * p.max_pages_per_seq;

  std::fill(st.acc.begin(), st.acc.end(), 0.0f);
  std::fill(st.max.begin(), st.max.end(), -std::numeric_limits<float>::infinity());
  std::fill(st.sum.begin(), st.sum.end(), 0.0f);

  for (int64_t first = 0, page = 0; first < len; first += ps, ++page) {
    if (pages[page] < 0) continue;  // a hole (the binding checked it is not the token's own page)
    const int64_t n = std::min(ps, len - first);
    const int64_t base = static_cast<int64_t>(pages[page]) * ps * kv_row + kvh * hd;
    const float* k = p.k_pool + base;
    const float* v = p.v_pool + base;
    for (int64_t g = 0; g < ng; ++g) {
      const float* qg = p.q + (t * p.n_heads + heads[g]) * hd;
      float* s = st.scores.data() + g * ps;
      float page_max = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        const float* kj = k + j * kv_row;
        float dot = 0.0f;
        for (int64_t d = 0; d < hd; ++d) dot += qg[d] * kj[d];
        s[j] = dot * p.scale;
        page_max = std::max(page_max, s[j]);
      }
      // Online softmax: move the running maximum, rescale what was accumulated under the old one.
      const float new_max = std::max(st.max[g], page_max);
      const float alpha = std::exp(st.max[g] - new_max);
      st.max[g] = new_max;
      float page_sum = 0.0f;
      for (int64_t j = 0; j < n; ++j) {
        s[j] = std::exp(s[j] - new_max);
        page_sum += s[j];
      }
      st.sum[g] = st.sum[g] * alpha + page_sum;
      float* acc = st.acc.data() + g * hd;
      if (alpha != 1.0f) for (int64_t d = 0; d < hd; ++d) acc[d] *= alpha;
    }
    for (int64_t j = 0; j < n; ++j) {
      const float* vj = v + j * kv_row;
      for (int64_t g = 0; g < ng; ++g) {
        const float w = st.scores[g * ps + j];
        float* acc = st.acc.data() + g * hd;
        for (int64_t d = 0; d < hd; ++d) acc[d] += w * vj[d];
      }
    }
  }
  for (int64_t g = 0; g < ng; ++g) {
    const float inv = 1.0f / st.sum[g];
    float* out = p.out + (t * p.n_heads + heads[g]) * hd;
    for (int64_t d = 0; d < hd; ++d) out[d] = st.acc[g * hd + d] * inv;
  }
}

}  // namespace

// Block-table entries, positions, sequence ids and the head subset were checked by the caller
// (the binding).
void paged_attention(const PagedAttentionParams& p) {
  const int64_t items = p.num_tokens * p.n_kv_heads;
  if (items <= 0 || p.n_heads <= 0 || p.head_dim <= 0) return;
  detail::zero_unselected_heads(p);
  const detail::HeadSelection sel(p);
  const int64_t group = p.n_heads / p.n_kv_heads;
  const detail::AttentionSplit split = detail::split_attention_items(p.token_pos, p.num_tokens, p.n_kv_heads, num_threads());
  parallel_for(split.parts, 1, [&](int64_t begin, int64_t end) {
    GroupState st;
    st.scores.resize(static_cast<size_t>(group * p.page_size));
    st.acc.resize(static_cast<size_t>(group * p.head_dim));
    st.max.resize(static_cast<size_t>(group));
    st.sum.resize(static_cast<size_t>(group));
    for (int64_t part = begin; part < end; ++part) {
      for (int64_t item = split.bounds[part]; item < split.bounds[part + 1]; ++item) {
        const int64_t kvh = item % p.n_kv_heads;
        const int64_t ng = sel.begin[kvh + 1] - sel.begin[kvh];
        if (ng > 0) attend_item(p, item / p.n_kv_heads, kvh, sel.ids + sel.begin[kvh], ng, st);
      }
    }
  });
}

}  // namespace sieve::cpu::portable
