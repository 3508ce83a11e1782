// Every op of the vocabulary except matmul/gemv (linear_ops.cc) and the paged-KV ops
// (attention_ops.cc) on the addon's surface. Argument order follows src/native-surface.ts. Each
// binding checks array types, lengths against sizes (overflow-safe), enum codes, index ranges
// (ids, targets) and memory overlap before the kernel runs, and throws a TypeError/RangeError
// naming the argument otherwise: a bad call never reads or writes out of bounds.
#include <climits>
#include <cstdint>
#include <string>

#include "napi/args.h"
#include "napi/op_checks.h"
#include "napi/registry.h"
#include "sieve/cpu_kernels.h"

namespace sieve::napi {
namespace {

// --- elementwise: out[i] = f(inputs[i]) for i < out.length --------------------------------------

// (out, a, b): two inputs at least as long as out, each either out itself or disjoint from it.
template <void (*Kernel)(float*, const float*, const float*, int64_t)>
Napi::Value Binary(const Napi::CallbackInfo& info, const char* fn, const char* a_name, const char* b_name) {
  const auto out = f32(info, 0, fn, "out");
  const auto a = f32(info, 1, fn, a_name);
  const auto b = f32(info, 2, fn, b_name);
  const auto n = static_cast<int64_t>(out.length);
  require_length(info, a, n, fn, a_name);
  require_length(info, b, n, fn, b_name);
  require_same_or_disjoint(info, bytes_of(out, n), bytes_of(a, n), a_name, fn);
  require_same_or_disjoint(info, bytes_of(out, n), bytes_of(b, n), b_name, fn);
  Kernel(out.data, a.data, b.data, n);
  return info.Env().Undefined();
}

// (out, x, ...): one input at least as long as out; returns n.
int64_t unary_args(const Napi::CallbackInfo& info, const char* fn, const char* x_name, ArrayView<float>& out,
                   ArrayView<float>& x) {
  out = f32(info, 0, fn, "out");
  x = f32(info, 1, fn, x_name);
  const auto n = static_cast<int64_t>(out.length);
  require_length(info, x, n, fn, x_name);
  require_same_or_disjoint(info, bytes_of(out, n), bytes_of(x, n), x_name, fn);
  return n;
}

Napi::Value Add(const Napi::CallbackInfo& info) { return Binary<cpu::add>(info, "add", "a", "b"); }
Napi::Value Mul(const Napi::CallbackInfo& info) { return Binary<cpu::mul>(info, "mul", "a", "b"); }
Napi::Value Swiglu(const Napi::CallbackInfo& info) { return Binary<cpu::swiglu>(info, "swiglu", "gate", "up"); }

// scale(out, a, s)
Napi::Value Scale(const Napi::CallbackInfo& info) {
  ArrayView<float> out, a;
  const int64_t n = unary_args(info, "scale", "a", out, a);
  const float s = finite_arg(info, 2, "scale", "s");
  cpu::scale(out.data, a.data, s, n);
  return info.Env().Undefined();
}

Napi::Value Silu(const Napi::CallbackInfo& info) {
  ArrayView<float> out, x;
  const int64_t n = unary_args(info, "silu", "x", out, x);
  cpu::silu(out.data, x.data, n);
  return info.Env().Undefined();
}

Napi::Value Relu(const Napi::CallbackInfo& info) {
  ArrayView<float> out, x;
  const int64_t n = unary_args(info, "relu", "x", out, x);
  cpu::relu(out.data, x.data, n);
  return info.Env().Undefined();
}

// gelu(out, x, approximate)
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  ArrayView<float> out, x;
  const int64_t n = unary_args(info, "gelu", "x", out, x);
  const int code = enum_arg(info, 2, "gelu", "approximate", 2, "0 (none: exact erf) or 1 (tanh)");
  cpu::gelu(out.data, x.data, n, static_cast<GeluApprox>(code));
  return info.Env().Undefined();
}

// --- row ops over [rows, cols] --------------------------------------------------------------------

struct RowArgs {
  ArrayView<float> out, x;
  int64_t rows = 0, cols = 0;
};

// (out, x, ..., rows at rows_index, cols after it): out and x hold rows * cols, out is x or disjoint.
RowArgs row_args(const Napi::CallbackInfo& info, const char* fn, int rows_index, const char* cols_name) {
  RowArgs a;
  a.out = f32(info, 0, fn, "out");
  a.x = f32(info, 1, fn, "x");
  a.rows = size_arg(info, rows_index, fn, "rows");
  a.cols = size_arg(info, rows_index + 1, fn, cols_name);
  const int64_t elems = count_product(info, a.rows, a.cols, fn, (std::string("rows * ") + cols_name).c_str());
  require_length(info, a.x, elems, fn, "x");
  require_length(info, a.out, elems, fn, "out");
  require_same_or_disjoint(info, bytes_of(a.out, elems), bytes_of(a.x, elems), "x", fn);
  return a;
}

float eps_arg(const Napi::CallbackInfo& info, int i, const char* fn) {
  const float eps = finite_arg(info, i, fn, "eps");
  if (eps < 0) throw Napi::RangeError::New(info.Env(), where(fn, i) + " (eps) must be >= 0");
  return eps;
}

// rmsNorm(out, x, weight, rows, dim, eps)
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "rmsNorm";
  const RowArgs a = row_args(info, fn, 3, "dim");
  const auto weight = f32(info, 2, fn, "weight");
  require_length(info, weight, a.cols, fn, "weight");
  const float eps = eps_arg(info, 5, fn);
  cpu::rms_norm(a.out.data, a.x.data, weight.data, a.rows, a.cols, eps);
  return info.Env().Undefined();
}

// layerNorm(out, x, weight, bias | null, rows, dim, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "layerNorm";
  const RowArgs a = row_args(info, fn, 4, "dim");
  const auto weight = f32(info, 2, fn, "weight");
  require_length(info, weight, a.cols, fn, "weight");
  const auto bias = optional_f32(info, 3, fn, "bias");
  const bool has_bias = info[3].IsTypedArray();
  if (has_bias) require_length(info, bias, a.cols, fn, "bias");
  const float eps = eps_arg(info, 6, fn);
  cpu::layer_norm(a.out.data, a.x.data, weight.data, has_bias ? bias.data : nullptr, a.rows, a.cols, eps);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const RowArgs a = row_args(info, "softmax", 2, "cols");
  cpu::softmax(a.out.data, a.x.data, a.rows, a.cols);
  return info.Env().Undefined();
}

Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  const RowArgs a = row_args(info, "logSoftmax", 2, "cols");
  cpu::log_softmax(a.out.data, a.x.data, a.rows, a.cols);
  return info.Env().Undefined();
}

// rope(x, positions, rows, nHeads, headDim, invFreq, style)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "rope";
  const auto x = f32(info, 0, fn, "x");
  const auto positions = i32(info, 1, fn, "positions");
  const int64_t rows = size_arg(info, 2, fn, "rows");
  const int64_t n_heads = size_arg(info, 3, fn, "nHeads");
  const int64_t head_dim = size_arg(info, 4, fn, "headDim");
  const auto inv_freq = f32(info, 5, fn, "invFreq");
  const int style = enum_arg(info, 6, fn, "style", 2, "0 (interleaved) or 1 (half)");
  const auto n_freq = static_cast<int64_t>(inv_freq.length);
  if (2 * n_freq > head_dim) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": invFreq has " + std::to_string(n_freq) +
                                                " entries; twice that exceeds headDim " + std::to_string(head_dim));
  }
  const int64_t elems = count_product(info, count_product(info, rows, n_heads, fn, "rows * nHeads"), head_dim, fn,
                                      "rows * nHeads * headDim");
  require_length(info, x, elems, fn, "x");
  require_length(info, positions, rows, fn, "positions");
  require_disjoint(info, bytes_of(x, elems), bytes_of(inv_freq, n_freq), "x", "invFreq", fn);
  require_disjoint(info, bytes_of(x, elems), bytes_of(positions, rows), "x", "positions", fn);
  cpu::rope(x.data, positions.data, rows, n_heads, head_dim, inv_freq.data, n_freq, static_cast<RopeStyle>(style));
  return info.Env().Undefined();
}

// --- lookups and selection --------------------------------------------------------------------------

// embedding(out, table, dt, ids, dim)
Napi::Value Embedding(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "embedding";
  const auto out = f32(info, 0, fn, "out");
  const int dt = enum_arg(info, 2, fn, "dt", 3, "0 (f32), 1 (f16) or 2 (bf16)");
  const void* table = nullptr;
  int64_t table_len = 0;
  int64_t elem_bytes = 4;
  if (dt == 0) {
    const auto t = f32(info, 1, fn, "table (a Float32Array when dt is 0)");
    table = t.data;
    table_len = static_cast<int64_t>(t.length);
  } else {
    const auto t = u16(info, 1, fn, "table (a Uint16Array when dt is 1 or 2)");
    table = t.data;
    table_len = static_cast<int64_t>(t.length);
    elem_bytes = 2;
  }
  const auto ids = i32(info, 3, fn, "ids");
  const int64_t dim = positive_arg(info, 4, fn, "dim");
  if (table_len % dim != 0) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": table has " + std::to_string(table_len) +
                                                " elements, not a multiple of dim " + std::to_string(dim));
  }
  const int64_t vocab = table_len / dim;
  const auto num_ids = static_cast<int64_t>(ids.length);
  const int64_t out_elems = count_product(info, num_ids, dim, fn, "ids.length * dim");
  require_length(info, out, out_elems, fn, "out");
  for (int64_t t = 0; t < num_ids; ++t) {
    if (ids.data[t] < 0 || ids.data[t] >= vocab) {
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": ids[" + std::to_string(t) + "] = " +
                                                  std::to_string(ids.data[t]) + " is outside the vocabulary [0, " +
                                                  std::to_string(vocab) + ")");
    }
  }
  require_disjoint(info, bytes_of(out, out_elems), Bytes{table, table_len * elem_bytes}, "out", "table", fn);
  require_disjoint(info, bytes_of(out, out_elems), bytes_of(ids, num_ids), "out", "ids", fn);
  cpu::embedding(out.data, table, static_cast<WDType>(dt), ids.data, num_ids, dim);
  return info.Env().Undefined();
}

// Output indices are int32, so a row may not be longer than INT32_MAX.
void require_int32_cols(const Napi::CallbackInfo& info, int64_t cols, const char* fn) {
  if (cols > INT32_MAX) throw Napi::RangeError::New(info.Env(), std::string(fn) + ": cols must be below 2^31");
}

// argmax(out, x, rows, cols)
Napi::Value Argmax(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "argmax";
  const auto out = i32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const int64_t rows = size_arg(info, 2, fn, "rows");
  const int64_t cols = size_arg(info, 3, fn, "cols");
  if (rows > 0 && cols == 0) throw Napi::RangeError::New(info.Env(), std::string(fn) + ": cols must be at least 1 when rows > 0");
  require_int32_cols(info, cols, fn);
  const int64_t elems = count_product(info, rows, cols, fn, "rows * cols");
  require_length(info, x, elems, fn, "x");
  require_length(info, out, rows, fn, "out");
  require_disjoint(info, bytes_of(out, rows), bytes_of(x, elems), "out", "x", fn);
  cpu::argmax(out.data, x.data, rows, cols);
  return info.Env().Undefined();
}

// topk(outValues, outIndices, x, rows, cols, k)
Napi::Value Topk(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "topk";
  const auto values = f32(info, 0, fn, "outValues");
  const auto indices = i32(info, 1, fn, "outIndices");
  const auto x = f32(info, 2, fn, "x");
  const int64_t rows = size_arg(info, 3, fn, "rows");
  const int64_t cols = size_arg(info, 4, fn, "cols");
  const int64_t k = size_arg(info, 5, fn, "k");
  if (k > cols) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": k = " + std::to_string(k) + " exceeds cols = " +
                                                std::to_string(cols));
  }
  require_int32_cols(info, cols, fn);
  const int64_t elems = count_product(info, rows, cols, fn, "rows * cols");
  const int64_t out_elems = count_product(info, rows, k, fn, "rows * k");
  require_length(info, x, elems, fn, "x");
  require_length(info, values, out_elems, fn, "outValues");
  require_length(info, indices, out_elems, fn, "outIndices");
  require_disjoint(info, bytes_of(values, out_elems), bytes_of(x, elems), "outValues", "x", fn);
  require_disjoint(info, bytes_of(indices, out_elems), bytes_of(x, elems), "outIndices", "x", fn);
  require_disjoint(info, bytes_of(values, out_elems), bytes_of(indices, out_elems), "outValues", "outIndices", fn);
  cpu::topk(values.data, indices.data, x.data, rows, cols, k);
  return info.Env().Undefined();
}

// crossEntropy(out, logits, targets, rows, cols)
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "crossEntropy";
  const auto out = f32(info, 0, fn, "out");
  const auto logits = f32(info, 1, fn, "logits");
  const auto targets = i32(info, 2, fn, "targets");
  const int64_t rows = size_arg(info, 3, fn, "rows");
  const int64_t cols = size_arg(info, 4, fn, "cols");
  const int64_t elems = count_product(info, rows, cols, fn, "rows * cols");
  require_length(info, logits, elems, fn, "logits");
  require_length(info, targets, rows, fn, "targets");
  require_length(info, out, rows, fn, "out");
  for (int64_t r = 0; r < rows; ++r) {
    if (targets.data[r] < 0 || targets.data[r] >= cols) {
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": targets[" + std::to_string(r) + "] = " +
                                                  std::to_string(targets.data[r]) + " is outside [0, " +
                                                  std::to_string(cols) + ")");
    }
  }
  require_disjoint(info, bytes_of(out, rows), bytes_of(logits, elems), "out", "logits", fn);
  cpu::cross_entropy(out.data, logits.data, targets.data, rows, cols);
  return info.Env().Undefined();
}

}  // namespace

void RegisterOtherOps(Napi::Env env, Napi::Object exports) {
  auto put = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  put("add", guarded<Add>);
  put("mul", guarded<Mul>);
  put("scale", guarded<Scale>);
  put("rmsNorm", guarded<RmsNorm>);
  put("layerNorm", guarded<LayerNorm>);
  put("rope", guarded<Rope>);
  put("softmax", guarded<Softmax>);
  put("logSoftmax", guarded<LogSoftmax>);
  put("silu", guarded<Silu>);
  put("gelu", guarded<Gelu>);
  put("relu", guarded<Relu>);
  put("swiglu", guarded<Swiglu>);
  put("embedding", guarded<Embedding>);
  put("argmax", guarded<Argmax>);
  put("topk", guarded<Topk>);
  put("crossEntropy", guarded<CrossEntropy>);
  RegisterAttentionOps(env, exports);
}

}  // namespace sieve::napi
