// The paged KV-cache ops on the addon's surface: pagedKvWrite and pagedAttention. Besides sizes,
// these validate the *indices* the kernels follow (slots, sequence rows, positions, every
// block-table entry a token will read and the optional head subset), since a bad page id would
// otherwise read or write anywhere in memory. A -1 entry below a token's own page is a hole (an
// evicted page) that the kernels skip; the token's own page must be mapped.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "napi/args.h"
#include "napi/op_checks.h"
#include "sieve/cpu_kernels.h"

namespace sieve::napi {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

// pagedKvWrite(kPool, vPool, k, v, slots, numTokens, nKvHeads, headDim)
Napi::Value PagedKvWrite(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "pagedKvWrite";
  const auto k_pool = f32(info, 0, fn, "kPool");
  const auto v_pool = f32(info, 1, fn, "vPool");
  const auto k = f32(info, 2, fn, "k");
  const auto v = f32(info, 3, fn, "v");
  const auto slots = i32(info, 4, fn, "slots");
  const int64_t num_tokens = size_arg(info, 5, fn, "numTokens");
  const int64_t n_kv_heads = positive_arg(info, 6, fn, "nKvHeads");
  const int64_t head_dim = positive_arg(info, 7, fn, "headDim");

  const int64_t row = count_product(info, n_kv_heads, head_dim, fn, "nKvHeads * headDim");
  const int64_t elems = count_product(info, num_tokens, row, fn, "numTokens * nKvHeads * headDim");
  require_length(info, k, elems, fn, "k");
  require_length(info, v, elems, fn, "v");
  require_length(info, slots, num_tokens, fn, "slots");
  const int64_t pool_rows = static_cast<int64_t>(std::min(k_pool.length, v_pool.length)) / row;
  for (int64_t t = 0; t < num_tokens; ++t) {
    const int32_t s = slots.data[t];
    if (s < 0 || s >= pool_rows) {
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": slots[" + str(t) + "] = " + str(s) +
                                                  " is outside the pool's " + str(pool_rows) + " slots");
    }
  }
  const Bytes kp = bytes_of(k_pool, static_cast<int64_t>(k_pool.length));
  const Bytes vp = bytes_of(v_pool, static_cast<int64_t>(v_pool.length));
  require_disjoint(info, kp, vp, "kPool", "vPool", fn);
  for (const auto& [src, name] : {std::pair<Bytes, const char*>{bytes_of(k, elems), "k"}, {bytes_of(v, elems), "v"}}) {
    require_disjoint(info, kp, src, "kPool", name, fn);
    require_disjoint(info, vp, src, "vPool", name, fn);
  }

  PagedKvWriteParams p{k_pool.data, v_pool.data, k.data, v.data, slots.data, num_tokens, n_kv_heads, head_dim};
  cpu::paged_kv_write(p);
  return info.Env().Undefined();
}

// pagedAttention(out, q, kPool, vPool, blockTable, tokenSeq, tokenPos, numTokens, nHeads, nKvHeads,
//                headDim, pageSize, maxPagesPerSeq, scale, heads?)
Napi::Value PagedAttention(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "pagedAttention";
  const auto out = f32(info, 0, fn, "out");
  const auto q = f32(info, 1, fn, "q");
  const auto k_pool = f32(info, 2, fn, "kPool");
  const auto v_pool = f32(info, 3, fn, "vPool");
  const auto block_table = i32(info, 4, fn, "blockTable");
  const auto token_seq = i32(info, 5, fn, "tokenSeq");
  const auto token_pos = i32(info, 6, fn, "tokenPos");
  const int64_t num_tokens = size_arg(info, 7, fn, "numTokens");
  const int64_t n_heads = positive_arg(info, 8, fn, "nHeads");
  const int64_t n_kv_heads = positive_arg(info, 9, fn, "nKvHeads");
  const int64_t head_dim = positive_arg(info, 10, fn, "headDim");
  const int64_t page_size = positive_arg(info, 11, fn, "pageSize");
  const int64_t max_pages = size_arg(info, 12, fn, "maxPagesPerSeq");
  const float scale = finite_arg(info, 13, fn, "scale");

  if (n_heads % n_kv_heads != 0) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": nHeads " + str(n_heads) +
                                                " is not a multiple of nKvHeads " + str(n_kv_heads));
  }
  const int64_t q_elems =
      count_product(info, count_product(info, num_tokens, n_heads, fn, "numTokens * nHeads"), head_dim, fn,
                    "numTokens * nHeads * headDim");
  require_length(info, q, q_elems, fn, "q");
  require_length(info, out, q_elems, fn, "out");
  require_length(info, token_seq, num_tokens, fn, "tokenSeq");
  require_length(info, token_pos, num_tokens, fn, "tokenPos");

  const int64_t page_elems = count_product(
      info, page_size, count_product(info, n_kv_heads, head_dim, fn, "nKvHeads * headDim"), fn,
      "pageSize * nKvHeads * headDim");
  const int64_t num_pages = static_cast<int64_t>(std::min(k_pool.length, v_pool.length)) / page_elems;
  const int64_t num_seqs = max_pages == 0 ? 0 : static_cast<int64_t>(block_table.length) / max_pages;
  const int64_t max_positions = count_product(info, max_pages, page_size, fn, "maxPagesPerSeq * pageSize");
  for (int64_t t = 0; t < num_tokens; ++t) {
    const int32_t seq = token_seq.data[t];
    const int32_t pos = token_pos.data[t];
    if (seq < 0 || seq >= num_seqs) {
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": tokenSeq[" + str(t) + "] = " + str(seq) +
                                                  " is outside the block table's " + str(num_seqs) + " rows");
    }
    if (pos < 0 || pos >= max_positions) {
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": tokenPos[" + str(t) + "] = " + str(pos) +
                                                  " is outside [0, " + str(max_positions) +
                                                  ") (maxPagesPerSeq * pageSize)");
    }
    const int32_t* pages = block_table.data + static_cast<int64_t>(seq) * max_pages;
    const int64_t last_page = pos / page_size;
    for (int64_t i = 0; i <= last_page; ++i) {
      const bool hole = pages[i] == -1 && i < last_page;  // skipped, not read
      if (!hole && (pages[i] < 0 || pages[i] >= num_pages)) {
        throw Napi::RangeError::New(
            info.Env(), std::string(fn) + ": token " + str(t) + " (sequence " + str(seq) + ", position " + str(pos) +
                            ") needs logical page " + str(i) + ", but blockTable holds " + str(pages[i]) +
                            " (the pools have " + str(num_pages) + " pages)");
      }
    }
  }
  // Optional head subset (argument 14): strictly increasing query-head ids.
  ArrayView<int32_t> heads{};
  const bool has_heads = info.Length() > 14 && !info[14].IsNull() && !info[14].IsUndefined();
  if (has_heads) {
    heads = i32(info, 14, fn, "heads");
    for (size_t i = 0; i < heads.length; ++i) {
      const int32_t h = heads.data[i];
      if (h < 0 || h >= n_heads || (i > 0 && h <= heads.data[i - 1])) {
        throw Napi::RangeError::New(info.Env(), std::string(fn) + ": heads[" + str(static_cast<int64_t>(i)) + "] = " +
                                                    str(h) + " must be in [0, " + str(n_heads) +
                                                    ") and greater than the previous entry (sorted, no repeats)");
      }
    }
  }
  const Bytes ob = bytes_of(out, q_elems);
  require_disjoint(info, ob, bytes_of(q, q_elems), "out", "q", fn);
  require_disjoint(info, ob, bytes_of(k_pool, static_cast<int64_t>(k_pool.length)), "out", "kPool", fn);
  require_disjoint(info, ob, bytes_of(v_pool, static_cast<int64_t>(v_pool.length)), "out", "vPool", fn);

  PagedAttentionParams p{out.data,       q.data,         k_pool.data, v_pool.data, block_table.data,
                         token_seq.data, token_pos.data, num_tokens,  n_heads,     n_kv_heads,
                         head_dim,       page_size,      max_pages,   scale,
                         nullptr,        0};
  if (has_heads) {
    // An empty subset is still a subset (every output zeroed), so it needs a non-null pointer.
    static const int32_t kNoHeads = 0;
    p.heads = heads.length > 0 ? heads.data : &kNoHeads;
    p.num_heads_subset = static_cast<int64_t>(heads.length);
  }
  cpu::paged_attention(p);
  return info.Env().Undefined();
}

}  // namespace

void RegisterAttentionOps(Napi::Env env, Napi::Object exports) {
  exports.Set("pagedKvWrite", Napi::Function::New(env, guarded<PagedKvWrite>, "pagedKvWrite"));
  exports.Set("pagedAttention", Napi::Function::New(env, guarded<PagedAttention>, "pagedAttention"));
}

}  // namespace sieve::napi
