// The activation-sparse kernels on the addon's surface (TEAL, CATS). Every argument is checked
// before a kernel runs: array types, the weight dtype code against the weight array, lengths
// against sizes (overflow-safe), every index in range and strictly ascending (a duplicate would
// silently count an input twice), and that outputs share no memory with inputs. A bad call throws
// a TypeError/RangeError naming the function and the argument.
#include <cstdint>
#include <algorithm>
#include <string>
#include <vector>

#include "napi/args.h"
#include "napi/op_checks.h"
#include "napi/registry.h"
#include "cpu/measure_kernels.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::napi {
namespace {

WDType weight_dtype(const Napi::CallbackInfo& info, int i, const char* fn) {
  return static_cast<WDType>(enum_arg(info, i, fn, "wdt", 3, "0 (f32), 1 (f16) or 2 (bf16)"));
}

// f32 weights come as a Float32Array, f16/bf16 as raw bits in a Uint16Array.
Bytes weight_view(const Napi::CallbackInfo& info, int i, WDType wdt, int64_t needed, const char* fn, const char* name) {
  if (wdt == WDType::F32) {
    const auto v = f32(info, i, fn, name);
    require_length(info, v, needed, fn, name);
    return bytes_of(v, needed);
  }
  const auto v = u16(info, i, fn, name);
  require_length(info, v, needed, fn, name);
  return bytes_of(v, needed);
}

// Optional Float32Array of at least `needed` elements; nullptr for null/undefined.
const float* optional_vector(const Napi::CallbackInfo& info, int i, int64_t needed, const char* fn, const char* name) {
  if (info.Length() <= static_cast<size_t>(i) || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  const auto v = f32(info, i, fn, name);
  require_length(info, v, needed, fn, name);
  return v.data;
}

// idx[0:count) must be strictly ascending and inside [0, limit).
void require_indices(const Napi::CallbackInfo& info, const int32_t* idx, int64_t count, int64_t limit, const char* fn) {
  int64_t previous = -1;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = idx[i];
    if (v <= previous || v >= limit) {
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": idx[" + std::to_string(i) + "] = " + std::to_string(v) +
                                                  " must be in [0, " + std::to_string(limit) +
                                                  ") and greater than the index before it");
    }
    previous = v;
  }
}

void require_count(const Napi::CallbackInfo& info, int64_t count, int64_t limit, const char* fn, const char* limit_name) {
  if (count > limit) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": count " + std::to_string(count) + " exceeds " +
                                                limit_name + " (" + std::to_string(limit) + ")");
  }
}

// The thresholdGemvIm / thresholdMatmulIm calls write both out and the index scratch idx: neither
// may share memory with an input (x, wt, bias) or with the other.
void require_select_outputs(const Napi::CallbackInfo& info, Bytes out, Bytes idx, Bytes x, Bytes wt, const float* bias,
                            int64_t n, const char* fn) {
  require_disjoint(info, out, x, "out", "x", fn);
  require_disjoint(info, out, wt, "out", "wt", fn);
  require_disjoint(info, out, idx, "out", "idx", fn);
  require_disjoint(info, idx, x, "idx", "x", fn);
  require_disjoint(info, idx, wt, "idx", "wt", fn);
  if (bias) {
    require_disjoint(info, out, Bytes{bias, n * 4}, "out", "bias", fn);
    require_disjoint(info, idx, Bytes{bias, n * 4}, "idx", "bias", fn);
  }
}

// thresholdSelect(idx, x, m, k, threshold, kept | null) -> count
Napi::Value ThresholdSelect(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "thresholdSelect";
  const auto idx = i32(info, 0, fn, "idx");
  const auto x = f32(info, 1, fn, "x");
  const int64_t m = size_arg(info, 2, fn, "m");
  const int64_t k = size_arg(info, 3, fn, "k");
  const float threshold = finite_arg(info, 4, fn, "threshold");
  const int64_t x_elems = count_product(info, m, k, fn, "m * k");
  require_length(info, x, x_elems, fn, "x");
  require_length(info, idx, k, fn, "idx");
  require_disjoint(info, bytes_of(idx, k), bytes_of(x, x_elems), "idx", "x", fn);
  int64_t* kept_out = nullptr;
  double* kept_slot = nullptr;
  if (info.Length() > 5 && !info[5].IsNull() && !info[5].IsUndefined()) {
    const auto kept = typed<double, napi_float64_array>(info, 5, fn, "kept (a Float64Array)");
    require_length(info, kept, 1, fn, "kept");
    kept_slot = kept.data;
  }
  int64_t kept_count = 0;
  if (kept_slot) kept_out = &kept_count;
  const int64_t count = cpu::threshold_select(idx.data, x.data, m, k, threshold, kept_out);
  if (kept_slot) *kept_slot = static_cast<double>(kept_count);
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

// The arguments sparseGemvIm and thresholdGemvIm share, in the same places:
// (out, x, idx, <count | threshold>, wt, wdt, n, k, bias | null, split), with out [n] and x [k].
struct GemvImArgs {
  ArrayView<float> out, x;
  ArrayView<int32_t> idx;
  WDType wdt;
  int64_t n, k;
  SparseSplit split;
  Bytes wt;
  const float* bias;
};

GemvImArgs gemv_im_args(const Napi::CallbackInfo& info, const char* fn) {
  GemvImArgs a;
  a.out = f32(info, 0, fn, "out");
  a.x = f32(info, 1, fn, "x");
  a.idx = i32(info, 2, fn, "idx");
  a.wdt = weight_dtype(info, 5, fn);
  a.n = size_arg(info, 6, fn, "n");
  a.k = size_arg(info, 7, fn, "k");
  a.split = static_cast<SparseSplit>(enum_arg(info, 9, fn, "split", 3, "0 (auto), 1 (inputs) or 2 (columns)"));
  a.wt = weight_view(info, 4, a.wdt, count_product(info, a.k, a.n, fn, "k * n"), fn, "wt");
  a.bias = optional_vector(info, 8, a.n, fn, "bias");
  require_length(info, a.out, a.n, fn, "out");
  require_length(info, a.x, a.k, fn, "x");
  return a;
}

// sparseGemvIm(out, x, idx, count, wt, wdt, n, k, bias | null, split)
Napi::Value SparseGemvIm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "sparseGemvIm";
  const int64_t count = size_arg(info, 3, fn, "count");
  const GemvImArgs a = gemv_im_args(info, fn);
  require_count(info, count, a.k, fn, "k");
  require_length(info, a.idx, count, fn, "idx");
  require_indices(info, a.idx.data, count, a.k, fn);
  const Bytes ob = bytes_of(a.out, a.n);
  require_disjoint(info, ob, bytes_of(a.x, a.k), "out", "x", fn);
  require_disjoint(info, ob, a.wt, "out", "wt", fn);
  require_disjoint(info, ob, bytes_of(a.idx, count), "out", "idx", fn);
  if (a.bias) require_disjoint(info, ob, Bytes{a.bias, a.n * 4}, "out", "bias", fn);
  cpu::sparse_gemv_im(a.out.data, a.x.data, a.idx.data, count, a.wt.data, a.wdt, a.n, a.bias, a.split);
  return info.Env().Undefined();
}

// thresholdGemvIm(out, x, idx, threshold, wt, wdt, n, k, bias | null, split) -> count
// thresholdSelect + sparseGemvIm for one token in one call. Why: decode runs this pair once per
// TEAL linear call, and right after a weight stream has flushed the core's caches a separate
// N-API crossing for the selection cost 9-16 us (0.6-1.5 us warm): 1.5-1.8 ms of a TinyLlama f16
// token (docs/formats/activation-sparsity.md).
// The indices it makes are valid by construction, so they skip sparseGemvIm's index check.
Napi::Value ThresholdGemvIm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "thresholdGemvIm";
  const float threshold = finite_arg(info, 3, fn, "threshold");
  const GemvImArgs a = gemv_im_args(info, fn);
  require_length(info, a.idx, a.k, fn, "idx");
  require_select_outputs(info, bytes_of(a.out, a.n), bytes_of(a.idx, a.k), bytes_of(a.x, a.k), a.wt, a.bias, a.n, fn);
  const int64_t count = cpu::threshold_select(a.idx.data, a.x.data, 1, a.k, threshold, nullptr);
  cpu::sparse_gemv_im(a.out.data, a.x.data, a.idx.data, count, a.wt.data, a.wdt, a.n, a.bias, a.split);
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

// thresholdMatmulIm(out, x, m, k, idx, threshold, sparse, wt, wdt, n, bias | null, kept) -> count
// thresholdSelect (union of the m rows' kept inputs into idx, kept pairs into kept[0]) then
// sparseMatmulIm over that union (sparse = 1) or over all inputs (sparse = 0, the dense fallback),
// in one call: the batched twin of thresholdGemvIm.
Napi::Value ThresholdMatmulIm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "thresholdMatmulIm";
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const int64_t m = size_arg(info, 2, fn, "m");
  const int64_t k = size_arg(info, 3, fn, "k");
  const auto idx = i32(info, 4, fn, "idx");
  const float threshold = finite_arg(info, 5, fn, "threshold");
  const bool sparse = enum_arg(info, 6, fn, "sparse", 2, "0 (all inputs) or 1 (the union of kept inputs)") == 1;
  const WDType wdt = weight_dtype(info, 8, fn);
  const int64_t n = size_arg(info, 9, fn, "n");
  const Bytes wt = weight_view(info, 7, wdt, count_product(info, k, n, fn, "k * n"), fn, "wt");
  const float* bias = optional_vector(info, 10, n, fn, "bias");
  const auto kept = typed<double, napi_float64_array>(info, 11, fn, "kept (a Float64Array)");
  require_length(info, kept, 1, fn, "kept");
  const int64_t out_elems = count_product(info, m, n, fn, "m * n");
  const int64_t x_elems = count_product(info, m, k, fn, "m * k");
  require_length(info, out, out_elems, fn, "out");
  require_length(info, x, x_elems, fn, "x");
  require_length(info, idx, k, fn, "idx");
  require_select_outputs(info, bytes_of(out, out_elems), bytes_of(idx, k), bytes_of(x, x_elems), wt, bias, n, fn);
  int64_t kept_count = 0;
  const int64_t count = cpu::threshold_select(idx.data, x.data, m, k, threshold, &kept_count);
  cpu::sparse_matmul_im(out.data, x.data, m, k, sparse ? idx.data : nullptr, sparse ? count : k, threshold, wt.data,
                        wdt, n, bias);
  kept.data[0] = static_cast<double>(kept_count);
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

// sparseMatmulIm(out, x, m, k, idx | null, count, threshold, wt, wdt, n, bias | null)
Napi::Value SparseMatmulIm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "sparseMatmulIm";
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const int64_t m = size_arg(info, 2, fn, "m");
  const int64_t k = size_arg(info, 3, fn, "k");
  const bool dense = info[4].IsNull() || info[4].IsUndefined();
  ArrayView<int32_t> idx;
  if (!dense) idx = i32(info, 4, fn, "idx (an Int32Array, or null for all inputs)");
  const int64_t count = size_arg(info, 5, fn, "count");
  const float threshold = finite_arg(info, 6, fn, "threshold");
  const WDType wdt = weight_dtype(info, 8, fn);
  const int64_t n = size_arg(info, 9, fn, "n");
  const Bytes wt = weight_view(info, 7, wdt, count_product(info, k, n, fn, "k * n"), fn, "wt");
  const float* bias = optional_vector(info, 10, n, fn, "bias");
  const int64_t out_elems = count_product(info, m, n, fn, "m * n");
  const int64_t x_elems = count_product(info, m, k, fn, "m * k");
  require_length(info, out, out_elems, fn, "out");
  require_length(info, x, x_elems, fn, "x");
  require_count(info, count, k, fn, "k");
  if (!dense) {
    require_length(info, idx, count, fn, "idx");
    require_indices(info, idx.data, count, k, fn);
  }
  const Bytes ob = bytes_of(out, out_elems);
  require_disjoint(info, ob, bytes_of(x, x_elems), "out", "x", fn);
  require_disjoint(info, ob, wt, "out", "wt", fn);
  if (!dense) require_disjoint(info, ob, bytes_of(idx, count), "out", "idx", fn);
  if (bias) require_disjoint(info, ob, Bytes{bias, n * 4}, "out", "bias", fn);
  cpu::sparse_matmul_im(out.data, x.data, m, k, dense ? nullptr : idx.data, dense ? k : count, threshold, wt.data, wdt,
                        n, bias);
  return info.Env().Undefined();
}

// gatherRowsMatmul(out, x, m, idx, count, w, wdt, k, rows)
Napi::Value GatherRowsMatmul(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "gatherRowsMatmul";
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const int64_t m = size_arg(info, 2, fn, "m");
  const auto idx = i32(info, 3, fn, "idx");
  const int64_t count = size_arg(info, 4, fn, "count");
  const WDType wdt = weight_dtype(info, 6, fn);
  const int64_t k = size_arg(info, 7, fn, "k");
  const int64_t rows = size_arg(info, 8, fn, "rows");
  const Bytes w = weight_view(info, 5, wdt, count_product(info, rows, k, fn, "rows * k"), fn, "w");
  const int64_t out_elems = count_product(info, m, count, fn, "m * count");
  const int64_t x_elems = count_product(info, m, k, fn, "m * k");
  require_length(info, out, out_elems, fn, "out");
  require_length(info, x, x_elems, fn, "x");
  require_count(info, count, rows, fn, "rows");
  require_length(info, idx, count, fn, "idx");
  require_indices(info, idx.data, count, rows, fn);
  const Bytes ob = bytes_of(out, out_elems);
  require_disjoint(info, ob, bytes_of(x, x_elems), "out", "x", fn);
  require_disjoint(info, ob, w, "out", "w", fn);
  require_disjoint(info, ob, bytes_of(idx, count), "out", "idx", fn);
  cpu::gather_rows_matmul(out.data, x.data, m, idx.data, count, w.data, wdt, k);
  return info.Env().Undefined();
}

// catsMlpGemv(out, x, act, idx, count, up, downT, wdt, dim, hidden)
Napi::Value CatsMlpGemv(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "catsMlpGemv";
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const auto act = f32(info, 2, fn, "act");
  const auto idx = i32(info, 3, fn, "idx");
  const int64_t count = size_arg(info, 4, fn, "count");
  const WDType wdt = weight_dtype(info, 7, fn);
  const int64_t dim = size_arg(info, 8, fn, "dim");
  const int64_t hidden = size_arg(info, 9, fn, "hidden");
  const int64_t w_elems = count_product(info, hidden, dim, fn, "hidden * dim");
  const Bytes up = weight_view(info, 5, wdt, w_elems, fn, "up");
  const Bytes down_t = weight_view(info, 6, wdt, w_elems, fn, "downT");
  require_length(info, out, dim, fn, "out");
  require_length(info, x, dim, fn, "x");
  require_length(info, act, hidden, fn, "act");
  require_count(info, count, hidden, fn, "hidden");
  require_length(info, idx, count, fn, "idx");
  require_indices(info, idx.data, count, hidden, fn);
  const Bytes ob = bytes_of(out, dim);
  require_disjoint(info, ob, bytes_of(x, dim), "out", "x", fn);
  require_disjoint(info, ob, bytes_of(act, hidden), "out", "act", fn);
  require_disjoint(info, ob, up, "out", "up", fn);
  require_disjoint(info, ob, down_t, "out", "downT", fn);
  require_disjoint(info, ob, bytes_of(idx, count), "out", "idx", fn);
  cpu::cats_mlp_gemv(out.data, x.data, act.data, idx.data, count, up.data, down_t.data, wdt, dim);
  return info.Env().Undefined();
}

// tealReadProbe(data) -> a sum of data: the streaming-read loop of measureReadBandwidth over a
// caller's array, split over the pool's threads like the kernels. Benchmarks time it on the same
// cold matrices, of the same byte count, in alternation with the kernel calls
// (tooling/activation/kernel-bench.ts), which a long one-off probe under a shared machine's load
// cannot match. Reads the largest multiple of 64 floats per thread; the rest is ignored.
Napi::Value TealReadProbe(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "tealReadProbe";
  const auto data = f32(info, 0, fn, "data");
  const int64_t length = static_cast<int64_t>(data.length);
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(num_threads(), length / 64));
  const int64_t per = length / parts / 64 * 64;
  std::vector<float> sums(static_cast<size_t>(parts), 0.0f);
  parallel_for(parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
#if defined(SIEVE_HAVE_AVX2_BUILD)
      if (cpu::runs_avx2(cpu::active_isa())) {
        sums[static_cast<size_t>(p)] = cpu::detail::read_sum_avx2(data.data + p * per, per);
        continue;
      }
#endif
      sums[static_cast<size_t>(p)] = cpu::detail::read_sum_portable(data.data + p * per, per);
    }
  });
  double total = 0;
  for (float v : sums) total += v;
  return Napi::Number::New(info.Env(), total);
}

// activationSparseKernels() -> { op: variant } for the active ISA.
Napi::Value ActivationSparseKernels(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  for (const auto& [op, name] : cpu::activation_sparse_kernel_names()) out.Set(op, name);
  return out;
}

}  // namespace

void RegisterActivationSparseOps(Napi::Env env, Napi::Object exports) {
  exports.Set("thresholdSelect", Napi::Function::New(env, guarded<ThresholdSelect>, "thresholdSelect"));
  exports.Set("sparseGemvIm", Napi::Function::New(env, guarded<SparseGemvIm>, "sparseGemvIm"));
  exports.Set("thresholdGemvIm", Napi::Function::New(env, guarded<ThresholdGemvIm>, "thresholdGemvIm"));
  exports.Set("thresholdMatmulIm", Napi::Function::New(env, guarded<ThresholdMatmulIm>, "thresholdMatmulIm"));
  exports.Set("sparseMatmulIm", Napi::Function::New(env, guarded<SparseMatmulIm>, "sparseMatmulIm"));
  exports.Set("gatherRowsMatmul", Napi::Function::New(env, guarded<GatherRowsMatmul>, "gatherRowsMatmul"));
  exports.Set("catsMlpGemv", Napi::Function::New(env, guarded<CatsMlpGemv>, "catsMlpGemv"));
  exports.Set("tealReadProbe", Napi::Function::New(env, guarded<TealReadProbe>, "tealReadProbe"));
  exports.Set("activationSparseKernels", Napi::Function::New(env, guarded<ActivationSparseKernels>, "activationSparseKernels"));
}

}  // namespace sieve::napi
