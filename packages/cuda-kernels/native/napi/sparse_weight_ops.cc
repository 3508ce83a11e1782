// The pruned-weight kernels on the addon's surface (typed in src/surface/sparse-weight.ts):
//   nmLinear(out, x, values, valueDtype, indices, n, m, batch, rows, cols, bias | null)
//   bitmapLinear(out, x, values, valueDtype, bitmap, rowPtr, batch, rows, cols, bias | null)
//   csrLinear(out, x, values, valueDtype, colIdx, rowPtr, batch, rows, cols, bias | null)
//   bcsrLinear(out, x, values, valueDtype, colLo, blockPtr, batch, rows, cols, bias | null)
//   csr8Linear(out, x, values, valueDtype, offset, base, rowChunk, batch, rows, cols, bias | null)
//   sparseWeightKernel(format, batch) -> the kernel variant that runs, e.g. "avx2-nm24-gemv"
// Every array's type and length is checked against the sizes (overflow-safe) and out may share no
// memory with an input, so a bad call throws a TypeError/RangeError naming the argument. Index
// *contents* are not scanned per call (that would be a second pass over the weight): the kernels
// clamp them, so malformed indices give wrong numbers but never an out-of-bounds access.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "napi/args.h"
#include "napi/op_checks.h"
#include "napi/registry.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::napi {
namespace {

inline ArrayView<uint8_t> u8(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  return typed<uint8_t, napi_uint8_array>(info, i, fn, name);
}

// The arguments every format shares.
struct Common {
  ArrayView<float> out;
  ArrayView<float> x;
  const void* values = nullptr;
  int64_t value_count = 0;
  int64_t value_bytes = 4;
  SparseValueType vdt = SparseValueType::F32;
  int64_t batch = 0, rows = 0, cols = 0;
  const float* bias = nullptr;
};

// values: a Float32Array when valueDtype is 0 (f32), a Uint16Array of f16 bits when it is 1.
void read_values(const Napi::CallbackInfo& info, int values_at, int dtype_at, const char* fn, Common& c) {
  const int code = enum_arg(info, dtype_at, fn, "valueDtype", 2, "0 (f32) or 1 (f16)");
  if (code == 0) {
    const auto v = f32(info, values_at, fn, "values (a Float32Array when valueDtype is 0)");
    c.values = v.data;
    c.value_count = static_cast<int64_t>(v.length);
    c.value_bytes = 4;
    c.vdt = SparseValueType::F32;
  } else {
    const auto v = u16(info, values_at, fn, "values (a Uint16Array of f16 bits when valueDtype is 1)");
    c.values = v.data;
    c.value_count = static_cast<int64_t>(v.length);
    c.value_bytes = 2;
    c.vdt = SparseValueType::F16;
  }
}

// out, x, the sizes and bias; sizes start at `sizes_at` (batch, rows, cols), bias follows cols.
void read_common(const Napi::CallbackInfo& info, int sizes_at, const char* fn, Common& c) {
  c.out = f32(info, 0, fn, "out");
  c.x = f32(info, 1, fn, "x");
  c.batch = size_arg(info, sizes_at, fn, "batch");
  c.rows = size_arg(info, sizes_at + 1, fn, "rows");
  c.cols = size_arg(info, sizes_at + 2, fn, "cols");
  require_length(info, c.out, count_product(info, c.batch, c.rows, fn, "batch * rows"), fn, "out");
  require_length(info, c.x, count_product(info, c.batch, c.cols, fn, "batch * cols"), fn, "x");
  const int bias_at = sizes_at + 3;
  const auto bias = optional_f32(info, bias_at, fn, "bias");
  if (bias.data || (info.Length() > static_cast<size_t>(bias_at) && info[bias_at].IsTypedArray())) {
    require_length(info, bias, c.rows, fn, "bias");
    c.bias = bias.data;
  }
}

void require_count(const Napi::CallbackInfo& info, int64_t have, int64_t needed, const char* fn, const char* name) {
  if (have < needed) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + name + " has " + std::to_string(have) +
                                                " elements, needs " + std::to_string(needed));
  }
}

// out is written while everything else is read: it may share memory with none of them.
void require_out_disjoint(const Napi::CallbackInfo& info, const Common& c, const char* fn,
                          std::initializer_list<std::pair<Bytes, const char*>> inputs) {
  const Bytes out = bytes_of(c.out, c.batch * c.rows);
  require_disjoint(info, out, bytes_of(c.x, c.batch * c.cols), "out", "x", fn);
  require_disjoint(info, out, {c.values, c.value_count * c.value_bytes}, "out", "values", fn);
  if (c.bias) require_disjoint(info, out, {c.bias, c.rows * 4}, "out", "bias", fn);
  for (const auto& [bytes, name] : inputs) require_disjoint(info, out, bytes, "out", name, fn);
}

template <typename T>
Bytes all_bytes(const ArrayView<T>& a) {
  return {a.data, static_cast<int64_t>(a.length * sizeof(T))};
}

Napi::Value NmLinear(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "nmLinear";
  Common c;
  read_values(info, 2, 3, fn, c);
  const auto indices = u8(info, 4, fn, "indices");
  const int64_t n = positive_arg(info, 5, fn, "n");
  const int64_t m = positive_arg(info, 6, fn, "m");
  read_common(info, 7, fn, c);
  if (!nm_supported(static_cast<int>(n), static_cast<int>(m))) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": n:m must be 2:4 or 4:8, got " + std::to_string(n) +
                                                ":" + std::to_string(m));
  }
  const int64_t vpr = nm_values_per_row(c.cols, static_cast<int>(n), static_cast<int>(m));
  require_count(info, c.value_count, count_product(info, c.rows, vpr, fn, "rows * values per row"), fn, "values");
  require_length(info, indices, count_product(info, c.rows, bytes_per_8_columns(c.cols), fn, "rows * index bytes"), fn,
                 "indices");
  require_out_disjoint(info, c, fn, {{all_bytes(indices), "indices"}});

  NmWeight w;
  w.values = c.values;
  w.vdt = c.vdt;
  w.indices = indices.data;
  w.rows = c.rows;
  w.cols = c.cols;
  w.n = static_cast<int>(n);
  w.m = static_cast<int>(m);
  cpu::nm_linear(c.out.data, c.x.data, c.batch, w, c.bias);
  return info.Env().Undefined();
}

// Row pointer arrays: rowsPlusOne int32 entries (the contents are clamped by the kernels).
ArrayView<int32_t> pointer_arg(const Napi::CallbackInfo& info, int i, int64_t needed, const char* fn, const char* name) {
  const auto p = i32(info, i, fn, name);
  require_length(info, p, needed, fn, name);
  return p;
}

Napi::Value BitmapLinear(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "bitmapLinear";
  Common c;
  read_values(info, 2, 3, fn, c);
  const auto bitmap = u8(info, 4, fn, "bitmap");
  read_common(info, 6, fn, c);
  const auto row_ptr = pointer_arg(info, 5, c.rows + 1, fn, "rowPtr");
  require_length(info, bitmap, count_product(info, c.rows, bytes_per_8_columns(c.cols), fn, "rows * bitmap bytes"), fn,
                 "bitmap");
  require_out_disjoint(info, c, fn, {{all_bytes(bitmap), "bitmap"}, {all_bytes(row_ptr), "rowPtr"}});

  BitmapWeight w;
  w.values = c.values;
  w.vdt = c.vdt;
  w.bitmap = bitmap.data;
  w.row_ptr = row_ptr.data;
  w.rows = c.rows;
  w.cols = c.cols;
  w.nnz = c.value_count;
  cpu::bitmap_linear(c.out.data, c.x.data, c.batch, w, c.bias);
  return info.Env().Undefined();
}

Napi::Value CsrLinear(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "csrLinear";
  Common c;
  read_values(info, 2, 3, fn, c);
  const auto col = u16(info, 4, fn, "colIdx");
  read_common(info, 6, fn, c);
  if (c.cols > 65536) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": cols must be at most 65536 (16-bit column indices), got " +
                                                std::to_string(c.cols));
  }
  const auto row_ptr = pointer_arg(info, 5, c.rows + 1, fn, "rowPtr");
  require_length(info, col, c.value_count, fn, "colIdx (one per value)");
  require_out_disjoint(info, c, fn, {{all_bytes(col), "colIdx"}, {all_bytes(row_ptr), "rowPtr"}});

  CsrWeight w;
  w.values = c.values;
  w.vdt = c.vdt;
  w.col = col.data;
  w.row_ptr = row_ptr.data;
  w.rows = c.rows;
  w.cols = c.cols;
  w.nnz = c.value_count;
  cpu::csr_linear(c.out.data, c.x.data, c.batch, w, c.bias);
  return info.Env().Undefined();
}

Napi::Value BcsrLinear(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "bcsrLinear";
  Common c;
  read_values(info, 2, 3, fn, c);
  const auto col_lo = u8(info, 4, fn, "colLo");
  read_common(info, 6, fn, c);
  const int64_t blocks = count_product(info, c.rows, blocked_csr_blocks(c.cols), fn, "rows * blocks");
  const auto block_ptr = pointer_arg(info, 5, blocks + 1, fn, "blockPtr");
  require_length(info, col_lo, c.value_count, fn, "colLo (one per value)");
  require_out_disjoint(info, c, fn, {{all_bytes(col_lo), "colLo"}, {all_bytes(block_ptr), "blockPtr"}});

  BlockedCsrWeight w;
  w.values = c.values;
  w.vdt = c.vdt;
  w.col_lo = col_lo.data;
  w.block_ptr = block_ptr.data;
  w.rows = c.rows;
  w.cols = c.cols;
  w.nnz = c.value_count;
  cpu::blocked_csr_linear(c.out.data, c.x.data, c.batch, w, c.bias);
  return info.Env().Undefined();
}

Napi::Value Csr8Linear(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "csr8Linear";
  Common c;
  read_values(info, 2, 3, fn, c);
  const auto offset = u8(info, 4, fn, "offset");
  const auto base = u16(info, 5, fn, "base");
  read_common(info, 7, fn, c);
  if (c.cols > 65536) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": cols must be at most 65536 (16-bit chunk bases), got " +
                                                std::to_string(c.cols));
  }
  const int64_t chunks = static_cast<int64_t>(base.length);
  const int64_t slots = count_product(info, chunks, kCsr8Chunk, fn, "chunks * 8");
  const auto row_chunk = pointer_arg(info, 6, c.rows + 1, fn, "rowChunk");
  require_count(info, c.value_count, slots, fn, "values (8 per chunk)");
  require_length(info, offset, slots, fn, "offset (8 per chunk)");
  require_out_disjoint(info, c, fn, {{all_bytes(offset), "offset"}, {all_bytes(base), "base"}, {all_bytes(row_chunk), "rowChunk"}});

  Csr8Weight w;
  w.values = c.values;
  w.vdt = c.vdt;
  w.offset = offset.data;
  w.base = base.data;
  w.row_chunk = row_chunk.data;
  w.rows = c.rows;
  w.cols = c.cols;
  w.chunks = chunks;
  cpu::csr8_linear(c.out.data, c.x.data, c.batch, w, c.bias);
  return info.Env().Undefined();
}

Napi::Value SparseWeightKernel(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "sparseWeightKernel";
  if (!info[0].IsString()) {
    throw Napi::TypeError::New(info.Env(), where(fn, 0) + " (format) must be a string such as \"nm-2:4\"");
  }
  const std::string format = info[0].As<Napi::String>().Utf8Value();
  const int64_t batch = size_arg(info, 1, fn, "batch");
  const std::string name = cpu::sparse_weight_kernel_name(format, batch);
  if (name == "unknown") {
    throw Napi::RangeError::New(info.Env(), where(fn, 0) + " (format) must be nm-2:4, nm-4:8, bitmap, csr, bcsr or csr8, got \"" +
                                                format + "\"");
  }
  return Napi::String::New(info.Env(), name);
}

}  // namespace

void RegisterSparseWeightOps(Napi::Env env, Napi::Object exports) {
  exports.Set("nmLinear", Napi::Function::New(env, guarded<NmLinear>, "nmLinear"));
  exports.Set("bitmapLinear", Napi::Function::New(env, guarded<BitmapLinear>, "bitmapLinear"));
  exports.Set("csrLinear", Napi::Function::New(env, guarded<CsrLinear>, "csrLinear"));
  exports.Set("bcsrLinear", Napi::Function::New(env, guarded<BcsrLinear>, "bcsrLinear"));
  exports.Set("csr8Linear", Napi::Function::New(env, guarded<Csr8Linear>, "csr8Linear"));
  exports.Set("sparseWeightKernel", Napi::Function::New(env, SparseWeightKernel, "sparseWeightKernel"));
}

}  // namespace sieve::napi
