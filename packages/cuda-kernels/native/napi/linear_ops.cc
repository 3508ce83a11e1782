// matmul and gemv on the addon's surface. Every argument is checked before the kernel runs: the
// array types, the weight dtype code against the weight array, and every length against the sizes
// (with overflow-safe products), so a bad call throws a TypeError/RangeError naming the argument
// instead of reading or writing out of bounds.
#include <cstdint>
#include <string>

#include "napi/args.h"
#include "napi/registry.h"
#include "sieve/cpu_kernels.h"

namespace sieve::napi {
namespace {

// a * b, or a RangeError when the element count does not fit (no typed array could hold it anyway).
int64_t checked_product(const Napi::CallbackInfo& info, int64_t a, int64_t b, const char* fn, const char* what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > (int64_t{1} << 53)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + what + " is too large");
  }
  return r;
}

WDType weight_dtype_arg(const Napi::CallbackInfo& info, int i, const char* fn) {
  const double code = number_arg(info, i, fn, "wdt");
  if (code == 0) return WDType::F32;
  if (code == 1) return WDType::F16;
  if (code == 2) return WDType::BF16;
  throw Napi::RangeError::New(info.Env(), where(fn, i) + " (wdt) must be 0 (f32), 1 (f16) or 2 (bf16)");
}

struct WeightView {
  const void* data = nullptr;
  size_t length = 0;  // elements
  size_t bytes_per_element = 4;
};

// f32 weights come as a Float32Array, f16/bf16 as raw bits in a Uint16Array.
WeightView weight_arg(const Napi::CallbackInfo& info, int i, WDType wdt, const char* fn) {
  if (wdt == WDType::F32) {
    const auto v = f32(info, i, fn, "w (a Float32Array when wdt is 0)");
    return {v.data, v.length, 4};
  }
  const auto v = u16(info, i, fn, "w (a Uint16Array when wdt is 1 or 2)");
  return {v.data, v.length, 2};
}

void require_weight_length(const Napi::CallbackInfo& info, const WeightView& w, int64_t needed, const char* fn) {
  if (w.length < static_cast<size_t>(needed)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": w has " + std::to_string(w.length) +
                                                " elements, needs " + std::to_string(needed));
  }
}

// The byte ranges [a, a + a_bytes) and [b, b + b_bytes) overlap.
bool overlaps(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  const auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
  return a_bytes > 0 && b_bytes > 0 && pa < pb + b_bytes && pb < pa + a_bytes;
}

// The kernels read x, w and bias while writing out, so out may not share memory with any of them.
void require_no_overlap(const Napi::CallbackInfo& info, const float* out, int64_t out_elems, const float* x,
                        int64_t x_elems, const WeightView& w, int64_t w_elems, const float* bias, int64_t bias_elems,
                        const char* fn) {
  const size_t ob = static_cast<size_t>(out_elems) * 4;
  const char* clash = nullptr;
  if (overlaps(out, ob, x, static_cast<size_t>(x_elems) * 4)) clash = "x";
  if (overlaps(out, ob, w.data, static_cast<size_t>(w_elems) * w.bytes_per_element)) clash = "w";
  if (bias && overlaps(out, ob, bias, static_cast<size_t>(bias_elems) * 4)) clash = "bias";
  if (clash) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": out must not share memory with " + clash);
  }
}

// matmul(out, x, w, wdt, m, n, k, bias | null)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "matmul";
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const WDType wdt = weight_dtype_arg(info, 3, fn);
  const WeightView w = weight_arg(info, 2, wdt, fn);
  const int64_t m = size_arg(info, 4, fn, "m");
  const int64_t n = size_arg(info, 5, fn, "n");
  const int64_t k = size_arg(info, 6, fn, "k");
  const auto bias = optional_f32(info, 7, fn, "bias");

  const int64_t out_elems = checked_product(info, m, n, fn, "m * n");
  const int64_t x_elems = checked_product(info, m, k, fn, "m * k");
  const int64_t w_elems = checked_product(info, n, k, fn, "n * k");
  require_length(info, out, out_elems, fn, "out");
  require_length(info, x, x_elems, fn, "x");
  require_weight_length(info, w, w_elems, fn);
  const float* bias_ptr = nullptr;
  if (bias.data || (info.Length() > 7 && info[7].IsTypedArray())) {
    require_length(info, bias, n, fn, "bias");
    bias_ptr = bias.data;
  }
  require_no_overlap(info, out.data, out_elems, x.data, x_elems, w, w_elems, bias_ptr, n, fn);

  cpu::matmul(out.data, x.data, w.data, wdt, m, n, k, bias_ptr);
  return info.Env().Undefined();
}

// gemv(out, x, w, wdt, n, k, bias | null)
Napi::Value Gemv(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "gemv";
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const WDType wdt = weight_dtype_arg(info, 3, fn);
  const WeightView w = weight_arg(info, 2, wdt, fn);
  const int64_t n = size_arg(info, 4, fn, "n");
  const int64_t k = size_arg(info, 5, fn, "k");
  const auto bias = optional_f32(info, 6, fn, "bias");

  const int64_t w_elems = checked_product(info, n, k, fn, "n * k");
  require_length(info, out, n, fn, "out");
  require_length(info, x, k, fn, "x");
  require_weight_length(info, w, w_elems, fn);
  const float* bias_ptr = nullptr;
  if (bias.data || (info.Length() > 6 && info[6].IsTypedArray())) {
    require_length(info, bias, n, fn, "bias");
    bias_ptr = bias.data;
  }
  require_no_overlap(info, out.data, n, x.data, k, w, w_elems, bias_ptr, n, fn);

  cpu::gemv(out.data, x.data, w.data, wdt, n, k, bias_ptr);
  return info.Env().Undefined();
}

}  // namespace

void RegisterLinearOps(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("gemv", Napi::Function::New(env, Gemv, "gemv"));
}

}  // namespace sieve::napi
