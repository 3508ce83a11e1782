// How paged attention spreads its work over the thread pool. A work item is one query token and
// one KV head (all query heads of that KV head's group ride along, sharing each key and value
// load); its cost grows with the token's position, so a prefill chunk mixed with decode tokens
// is very uneven. parallel_for hands each thread one contiguous, equally *counted* range, so the
// items are first cut into ranges of equal estimated *cost*, one per thread.
#pragma once

#include <cstdint>

#include "sieve/cpu_kernels.h"

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

// The query heads each KV head serves in one call: its whole group, or the members of the
// optional subset p.heads. Built (and freed) out of line so that the avx2/ files instantiate no
// library templates; fields only, no inline member functions, for the same reason.
struct HeadSelection {
  // Query-head ids of KV head kvh: ids[begin[kvh]] .. ids[begin[kvh + 1] - 1], increasing.
  int32_t* ids = nullptr;
  int64_t* begin = nullptr;  // n_kv_heads + 1 entries
  explicit HeadSelection(const PagedAttentionParams& p);
  ~HeadSelection();
  HeadSelection(const HeadSelection&) = delete;
  HeadSelection& operator=(const HeadSelection&) = delete;
};

// With a head subset, sets the output rows of every head outside it to zero (a sparse-heads
// caller then feeds the whole output to the output projection). No-op without a subset.
void zero_unselected_heads(const PagedAttentionParams& p);

// ---- The AVX2 kernel's plan: prefill blocks tiled, decode tokens split over heads and keys ----
//
// A ragged batch is cut into units that threads claim one at a time (largest first):
//  - Tiled: a block of consecutive batch tokens of one sequence (a prefill chunk) and one KV head;
//    its rows are (token, selected query head of that KV head) and it walks the keys in tiles
//    (flash-attention style online softmax), so every key/value load serves all the rows.
//  - Decode: one token (a run too short to tile), a range of KV heads and a range of logical
//    pages. A token whose keys are split over several units writes partial results (running max,
//    sum and unnormalised output per head) that merge_partials combines afterwards.

enum class UnitKind : int32_t { Tiled = 0, Decode = 1 };

struct AttentionUnit {
  UnitKind kind;
  int32_t kv_begin, kv_end;      // KV heads [kv_begin, kv_end)
  int64_t tok_begin, tok_end;    // batch tokens [tok_begin, tok_end) (decode: exactly one)
  int64_t page_begin, page_end;  // decode: logical pages read (clipped to the token's length)
  int64_t partial;               // decode: partial slot to write, or -1 to write the output directly
  int64_t cost;                  // estimated, for largest-first claiming
};

// Partial results of one split decode token: slots [first, first + count), each n_heads rows of
// (max, sum, acc[head_dim]); rows of heads a slot did not cover are unused.
struct SplitToken {
  int64_t token;
  int64_t first;
  int64_t count;
};

struct AttentionPlan {
  AttentionUnit* units = nullptr;  // sorted by decreasing cost
  int64_t num_units = 0;
  SplitToken* splits = nullptr;
  int64_t num_splits = 0;
  int64_t num_partials = 0;
  float* partials = nullptr;       // num_partials * n_heads * (kPartialHeader + head_dim)
  int64_t max_block_tokens = 0;    // tokens in the largest tiled block (sizes the scratch)
  AttentionPlan(const PagedAttentionParams& p, const HeadSelection& sel, int64_t threads);
  ~AttentionPlan();
  AttentionPlan(const AttentionPlan&) = delete;
  AttentionPlan& operator=(const AttentionPlan&) = delete;
};

// Floats ahead of the head_dim accumulated values in a partial-result row: max, sum.
constexpr int64_t kPartialHeader = 2;

// Combines the partial results of split decode tokens into p.out.
void merge_partials(const PagedAttentionParams& p, const HeadSelection& sel, const AttentionPlan& plan);

}  // namespace sieve::cpu::detail
