// The two kinds of work unit of the AVX2 paged attention (see cpu/attention_plan.h), shared by
// attention.cc (entry point, decode units) and attention_tiled.cc (tiled prefill units).
#pragma once

#include <cstdint>

#include "cpu/attention_plan.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2::attn {

// Keys per tile of the tiled kernel (two 16-key halves of the scores micro-kernel).
constexpr int64_t kKeyTile = 32;

// Floats of per-thread scratch each unit kind needs (the caller allocates the larger).
int64_t tiled_scratch_floats(const PagedAttentionParams& p, int64_t max_block_tokens);
int64_t decode_scratch_floats(const PagedAttentionParams& p);

// Attention of a block of one sequence's tokens for one KV head's selected query heads.
void run_tiled_unit(const PagedAttentionParams& p, const detail::HeadSelection& sel, const detail::AttentionUnit& u,
                    float* scratch);

// Attention of one token over a range of its pages for a range of KV heads; writes p.out, or the
// unit's partial slot when the token's pages are split over several units.
void run_decode_unit(const PagedAttentionParams& p, const detail::HeadSelection& sel, const detail::AttentionUnit& u,
                     float* partials, float* scratch);

}  // namespace sieve::cpu::avx2::attn
