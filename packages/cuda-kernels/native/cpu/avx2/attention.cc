// AVX2 paged attention. The batch is cut into units (cpu/attention_plan.h) that the threads claim
// largest first from a shared counter, so causal prefill blocks of very different cost and a few
// decode tokens still keep both cores busy:
//  - prefill blocks run the tiled kernel (attention_tiled.cc);
//  - decode tokens run here: for each page (holes skipped), every KV head of the unit in turn, the
//    query heads of a GQA group sharing each key/value load; online softmax per page. Pages are
//    the outer loop so that a unit reads each page's block of the pool (all its KV heads) in one
//    go rather than sweeping the whole context once per KV head. A decode step usually finds its
//    keys in L3 or DRAM (the weights streamed since the last layer evict them), so this path is
//    bound by reading K and V; splitting a token over heads and pages lets both cores read.
//    (A software prefetch of the next page was tried: no gain on cold pools, 20% loss on warm.)
// Slot writes are memcpy-bound and run the portable kernel.
#include <immintrin.h>

#include <cmath>
#include <new>

#include "cpu/attention_plan.h"
#include "cpu/avx2/attention_simd.h"
#include "cpu/avx2/attention_units.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {

void paged_kv_write(const PagedKvWriteParams& p) { portable::paged_kv_write(p); }

namespace attn {

// scores [group, pageSize], then per selected head of the unit: acc [headDim], max, sum.
int64_t decode_scratch_floats(const PagedAttentionParams& p) {
  const int64_t group = p.n_heads / p.n_kv_heads;
  return group * p.page_size + p.n_heads * (p.head_dim + 2);
}

void run_decode_unit(const PagedAttentionParams& p, const detail::HeadSelection& sel, const detail::AttentionUnit& u,
                     float* partials, float* scratch) {
  const int64_t t = u.tok_begin;
  const int64_t hd = p.head_dim;
  const int64_t ps = p.page_size;
  const int64_t kv_row = p.n_kv_heads * hd;
  const int64_t len = static_cast<int64_t>(p.token_pos[t]) + 1;
  const int32_t* pages = p.block_table + static_cast<int64_t>(p.token_seq[t]) * p.max_pages_per_seq;
  const int64_t group = p.n_heads / p.n_kv_heads;
  // The unit's selected query heads, in order: ids[0 .. rows).
  const int32_t* ids = sel.ids + sel.begin[u.kv_begin];
  const int64_t rows = sel.begin[u.kv_end] - sel.begin[u.kv_begin];
  float* scores = scratch;
  float* acc = scores + group * ps;
  float* max = acc + rows * hd;
  float* sum = max + rows;
  for (int64_t i = 0; i < rows * hd; ++i) acc[i] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    max[r] = -__builtin_inff();
    sum[r] = 0.0f;
  }
  const int64_t page_end = u.page_end * ps < len ? u.page_end : (len + ps - 1) / ps;

  for (int64_t page = u.page_begin; page < page_end; ++page) {
    if (pages[page] < 0) continue;  // a hole: an evicted page (never the token's own; the binding checked)
    const int64_t first = page * ps;
    const int64_t n = len - first < ps ? len - first : ps;
    int64_t r = 0;  // first row of the current KV head
    for (int64_t kvh = u.kv_begin; kvh < u.kv_end; ++kvh) {
      const int64_t ng = sel.begin[kvh + 1] - sel.begin[kvh];
      const int64_t base = static_cast<int64_t>(pages[page]) * ps * kv_row + kvh * hd;
      const float* k = p.k_pool + base;
      const float* v = p.v_pool + base;
      for (int64_t g = 0; g < ng; ++g, ++r) {
        // The page's keys for this KV head (a few KB) stay in L1 while the group's heads take turns.
        const float* q = p.q + (t * p.n_heads + ids[r]) * hd;
        float* s = scores + g * ps;
        page_scores(s, q, k, kv_row, n, hd, p.scale);
        float page_max = s[0];
        for (int64_t j = 1; j < n; ++j) page_max = s[j] > page_max ? s[j] : page_max;
        // Online softmax: move the running maximum and rescale what was accumulated under the old one.
        const float new_max = page_max > max[r] ? page_max : max[r];
        const float alpha = std::exp(max[r] - new_max);
        max[r] = new_max;
        sum[r] = sum[r] * alpha + exp_shift_sum(s, n, new_max);
        page_values(acc + r * hd, alpha, s, v, kv_row, n, hd);
      }
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (u.partial < 0) {
      scale_to(p.out + (t * p.n_heads + ids[r]) * hd, acc + r * hd, 1.0f / sum[r], hd);
    } else {
      float* slot = partials + (u.partial * p.n_heads + ids[r]) * (detail::kPartialHeader + hd);
      slot[0] = max[r];
      slot[1] = sum[r];
      for (int64_t i = 0; i < hd; ++i) slot[detail::kPartialHeader + i] = acc[r * hd + i];
    }
  }
}

}  // namespace attn

// Block-table entries, positions, sequence ids and the head subset were checked by the caller
// (the binding).
void paged_attention(const PagedAttentionParams& p) {
  if (p.num_tokens <= 0 || p.n_heads <= 0 || p.head_dim <= 0) return;
  detail::zero_unselected_heads(p);
  const detail::HeadSelection sel(p);
  const int64_t threads = num_threads();
  const detail::AttentionPlan plan(p, sel, threads);
  if (plan.num_units == 0) return;
  const int64_t tiled = attn::tiled_scratch_floats(p, plan.max_block_tokens);
  const int64_t decode = attn::decode_scratch_floats(p);
  const int64_t scratch_floats = tiled > decode ? tiled : decode;

  int64_t next_unit = 0;  // claimed with an atomic add: units are sorted largest first
  auto body = [&](int64_t, int64_t) {
    float* scratch = nullptr;
    for (;;) {
      const int64_t i = __atomic_fetch_add(&next_unit, 1, __ATOMIC_RELAXED);
      if (i >= plan.num_units) break;
      if (!scratch) {
        scratch = static_cast<float*>(_mm_malloc(static_cast<size_t>(scratch_floats) * sizeof(float), 64));
        if (!scratch) throw std::bad_alloc();  // the pool rethrows it on the calling thread
      }
      const detail::AttentionUnit& u = plan.units[i];
      if (u.kind == detail::UnitKind::Tiled) {
        attn::run_tiled_unit(p, sel, u, scratch);
      } else {
        attn::run_decode_unit(p, sel, u, plan.partials, scratch);
      }
    }
    _mm_free(scratch);
  };
  // One chunk per thread; each chunk claims units until none are left (a thread that starts late
  // just finds the work done).
  const int64_t chunks = threads < plan.num_units ? threads : plan.num_units;
  sieve::detail::parallel_for_each(chunks, 1, body);
  detail::merge_partials(p, sel, plan);
}

}  // namespace sieve::cpu::avx2
