// How paged attention spreads its work over the thread pool. A work item is one query token and
// one KV head (all query heads of that KV head's group ride along, sharing each key and value
// load); its cost grows with the token's position, so a prefill chunk mixed with decode tokens
// is very uneven. parallel_for hands each thread one contiguous, equally *counted* range, so the
// items are first cut into ranges of equal estimated *cost*, one per thread.
#pragma once

#include <cstdint>

namespace sieve::cpu::detail {

constexpr int64_t kMaxAttentionParts = 64;

struct AttentionSplit {
  int64_t parts = 0;
  // Part i covers items [bounds[i], bounds[i + 1]); item = token * n_kv_heads + kv_head.
  int64_t bounds[kMaxAttentionParts + 1] = {};
};

// Cuts the num_tokens * n_kv_heads items into at most `parts` (<= kMaxAttentionParts) ranges of
// nearly equal cost, estimated as the number of keys an item reads plus a fixed overhead.
AttentionSplit split_attention_items(const int32_t* token_pos, int64_t num_tokens, int64_t n_kv_heads, int64_t parts);

}  // namespace sieve::cpu::detail
