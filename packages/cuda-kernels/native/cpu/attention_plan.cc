// Cost-balanced split of paged-attention work items; see attention_plan.h. Compiled without
// AVX2 flags, shared by both kernel variants.
#include "cpu/attention_plan.h"

#include <algorithm>

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

}  // namespace sieve::cpu::detail
