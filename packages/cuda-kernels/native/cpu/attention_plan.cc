// Cost-balanced split of paged-attention work items; see attention_plan.h. Compiled without
// AVX2 flags, shared by both kernel variants.
#include "cpu/attention_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace sieve::cpu::detail {
namespace {

// A token's fixed cost (loading queries, the final division, the store) in units of one key.
constexpr int64_t kItemOverhead = 8;

inline int64_t item_cost(int32_t pos) { return static_cast<int64_t>(std::max(pos, 0)) + 1 + kItemOverhead; }

}  // namespace

AttentionSplit split_attention_items(const int32_t* token_pos, int64_t num_tokens, int64_t n_kv_heads, int64_t parts) {
  AttentionSplit split;
  const int64_t items = num_tokens * n_kv_heads;
  parts = std::max<int64_t>(1, std::min({parts, items, kMaxAttentionParts}));
  split.parts = parts;
  split.bounds[0] = 0;
  split.bounds[parts] = items;
  if (parts == 1) return split;

  int64_t total = 0;
  for (int64_t t = 0; t < num_tokens; ++t) total += item_cost(token_pos[t]) * n_kv_heads;
  // Walk the items once; part k ends at the first item where the running cost reaches k/parts of
  // the total, and every part keeps at least one item.
  int64_t running = 0;
  int64_t part = 1;
  for (int64_t item = 0; item < items && part < parts; ++item) {
    running += item_cost(token_pos[item / n_kv_heads]);
    while (part < parts && running * parts >= total * part) {
      const int64_t end = std::max(item + 1, split.bounds[part - 1] + 1);
      split.bounds[part] = std::min(end, items - (parts - part));
      ++part;
    }
  }
  for (; part < parts; ++part) split.bounds[part] = split.bounds[part - 1] + 1;  // rounding leftovers
  return split;
}

HeadSelection::HeadSelection(const PagedAttentionParams& p) {
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t count = p.heads ? p.num_heads_subset : p.n_heads;
  ids = new int32_t[std::max<int64_t>(count, 1)];
  begin = new int64_t[p.n_kv_heads + 1];
  for (int64_t i = 0; i < count; ++i) ids[i] = p.heads ? p.heads[i] : static_cast<int32_t>(i);
  // ids is increasing, so each KV head's members are one contiguous run.
  int64_t i = 0;
  for (int64_t kvh = 0; kvh < p.n_kv_heads; ++kvh) {
    begin[kvh] = i;
    while (i < count && ids[i] / group == kvh) ++i;
  }
  begin[p.n_kv_heads] = count;
}

HeadSelection::~HeadSelection() {
  delete[] ids;
  delete[] begin;
}

void zero_unselected_heads(const PagedAttentionParams& p) {
  if (!p.heads) return;
  const size_t row_bytes = static_cast<size_t>(p.head_dim) * sizeof(float);
  for (int64_t t = 0; t < p.num_tokens; ++t) {
    int64_t next = 0;  // index into the sorted subset
    for (int64_t h = 0; h < p.n_heads; ++h) {
      if (next < p.num_heads_subset && p.heads[next] == h) {
        ++next;
        continue;
      }
      std::memset(p.out + (t * p.n_heads + h) * p.head_dim, 0, row_bytes);
    }
  }
}

namespace {

// A run of at least this many consecutive batch tokens of one sequence is tiled; shorter runs
// (decode tokens) go through the per-token path, where tiling would only add overhead.
constexpr int64_t kTiledMinTokens = 4;
// Rows (tokens x query heads) of a tiled block: enough to amortise each key tile's transposition
// over many rows, few enough that the block's queries and outputs stay in L1/L2.
constexpr int64_t kTiledRows = 64;
// A decode unit should read at least this many (key, KV head) rows: below that, the claim and
// the merge cost more than the parallelism saves.
constexpr int64_t kMinDecodeUnitRows = 256;
// Fixed cost of any unit, in (key, row) units, for the largest-first ordering.
constexpr int64_t kUnitOverhead = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

AttentionPlan::AttentionPlan(const PagedAttentionParams& p, const HeadSelection& sel, int64_t threads) {
  std::vector<AttentionUnit> units;
  std::vector<SplitToken> splits;
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t block_tokens = std::max<int64_t>(kTiledMinTokens, kTiledRows / group);
  auto selected = [&](int64_t kvh) { return sel.begin[kvh + 1] - sel.begin[kvh]; };
  auto selected_range = [&](int64_t a, int64_t b) { return sel.begin[b] - sel.begin[a]; };

  // Runs of consecutive tokens of one sequence: long ones become tiled blocks, the rest decode tokens.
  std::vector<int64_t> decode_tokens;
  for (int64_t t = 0; t < p.num_tokens;) {
    int64_t end = t + 1;
    while (end < p.num_tokens && p.token_seq[end] == p.token_seq[t]) ++end;
    if (end - t < kTiledMinTokens) {
      for (int64_t i = t; i < end; ++i) decode_tokens.push_back(i);
    } else {
      for (int64_t b = t; b < end; b += block_tokens) {
        const int64_t e = std::min(end, b + block_tokens);
        int64_t max_pos = 0;
        for (int64_t i = b; i < e; ++i) max_pos = std::max<int64_t>(max_pos, p.token_pos[i]);
        max_block_tokens = std::max(max_block_tokens, e - b);
        for (int64_t kvh = 0; kvh < p.n_kv_heads; ++kvh) {
          if (selected(kvh) == 0) continue;
          const int64_t rows = (e - b) * selected(kvh);
          units.push_back({UnitKind::Tiled, static_cast<int32_t>(kvh), static_cast<int32_t>(kvh + 1), b, e, 0, 0, -1,
                           rows * (max_pos + 1 + kUnitOverhead)});
        }
      }
    }
    t = end;
  }

  // Decode tokens: enough units for every thread to claim about two, split first over KV heads
  // (independent results) and then over pages (partial results, merged after).
  const int64_t d = static_cast<int64_t>(decode_tokens.size());
  const int64_t wanted = threads > 1 && d > 0 ? ceil_div(2 * threads, d) : 1;
  for (const int64_t t : decode_tokens) {
    const int64_t len = static_cast<int64_t>(p.token_pos[t]) + 1;
    const int64_t pages = ceil_div(len, p.page_size);
    const int64_t heads = selected_range(0, p.n_kv_heads);
    if (heads == 0) continue;
    const int64_t most = len * heads / std::max<int64_t>(group, 1) / kMinDecodeUnitRows;
    const int64_t parts = std::max<int64_t>(1, std::min(wanted, most));
    const int64_t kv_parts = std::min(parts, p.n_kv_heads);
    // The page split depends on the token alone (its length, heads and the thread count), never on
    // how many other tokens share the batch: merged partial softmaxes round differently from one
    // pass, and a token must get the same bits alone or batched (batch invariance). Splitting over
    // KV heads is free to follow the batch: heads are independent.
    const int64_t parts_alone = std::max<int64_t>(1, std::min(threads > 1 ? 2 * threads : 1, most));
    const int64_t key_parts = std::min(ceil_div(parts_alone, std::min(parts_alone, p.n_kv_heads)), pages);
    int64_t partial = -1;
    if (key_parts > 1) {
      partial = num_partials;
      splits.push_back({t, num_partials, key_parts});
      num_partials += key_parts;
    }
    for (int64_t kp = 0; kp < key_parts; ++kp) {
      const int64_t pb = pages * kp / key_parts, pe = pages * (kp + 1) / key_parts;
      const int64_t keys = std::min(len, pe * p.page_size) - pb * p.page_size;
      for (int64_t vp = 0; vp < kv_parts; ++vp) {
        const int64_t kb = p.n_kv_heads * vp / kv_parts, ke = p.n_kv_heads * (vp + 1) / kv_parts;
        const int64_t rows = selected_range(kb, ke);
        if (rows == 0) continue;
        units.push_back({UnitKind::Decode, static_cast<int32_t>(kb), static_cast<int32_t>(ke), t, t + 1, pb, pe,
                         partial < 0 ? -1 : partial + kp, rows * (keys + kUnitOverhead)});
      }
    }
  }

  std::stable_sort(units.begin(), units.end(), [](const AttentionUnit& a, const AttentionUnit& b) { return a.cost > b.cost; });
  num_units = static_cast<int64_t>(units.size());
  this->units = new AttentionUnit[std::max<int64_t>(num_units, 1)];
  std::copy(units.begin(), units.end(), this->units);
  num_splits = static_cast<int64_t>(splits.size());
  this->splits = new SplitToken[std::max<int64_t>(num_splits, 1)];
  std::copy(splits.begin(), splits.end(), this->splits);
  if (num_partials > 0) partials = new float[num_partials * p.n_heads * (kPartialHeader + p.head_dim)];
}

AttentionPlan::~AttentionPlan() {
  delete[] units;
  delete[] splits;
  delete[] partials;
}

void merge_partials(const PagedAttentionParams& p, const HeadSelection& sel, const AttentionPlan& plan) {
  const int64_t hd = p.head_dim;
  const int64_t row = kPartialHeader + hd;
  std::vector<double> acc(static_cast<size_t>(hd));
  for (int64_t s = 0; s < plan.num_splits; ++s) {
    const SplitToken& st = plan.splits[s];
    for (int64_t i = 0; i < sel.begin[p.n_kv_heads]; ++i) {
      const int64_t h = sel.ids[i];
      const float* first = plan.partials + (st.first * p.n_heads + h) * row;
      const int64_t stride = p.n_heads * row;  // between consecutive slots of one head
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t c = 0; c < st.count; ++c) m = std::max(m, first[c * stride]);
      double sum = 0;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t c = 0; c < st.count; ++c) {
        const float* slot = first + c * stride;
        if (slot[1] == 0.0f) continue;  // no keys in this part (holes only)
        const double w = std::exp(static_cast<double>(slot[0]) - m);
        sum += w * slot[1];
        for (int64_t k = 0; k < hd; ++k) acc[k] += w * slot[kPartialHeader + k];
      }
      float* out = p.out + (st.token * p.n_heads + h) * hd;
      for (int64_t k = 0; k < hd; ++k) out[k] = static_cast<float>(acc[k] / sum);
    }
  }
}

}  // namespace sieve::cpu::detail
