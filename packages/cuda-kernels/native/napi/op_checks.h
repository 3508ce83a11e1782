// Checks shared by the bindings of ops.cc and attention_ops.cc, on top of args.h: size products
// that cannot overflow, enum codes, memory overlap between arguments, and a guard that turns a
// C++ exception escaping a kernel (bad_alloc) into a JS error instead of terminating Node.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <string>

#include "napi/args.h"

namespace sieve::napi {

// a * b as an element count, or a RangeError when it exceeds what any typed array could hold.
inline int64_t count_product(const Napi::CallbackInfo& info, int64_t a, int64_t b, const char* fn, const char* what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > (int64_t{1} << 53)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + what + " is too large");
  }
  return r;
}

// A small integer code (an enum) in [0, count); `names` lists the meanings for the message.
inline int enum_arg(const Napi::CallbackInfo& info, int i, const char* fn, const char* name, int count, const char* names) {
  const double code = number_arg(info, i, fn, name);
  if (!(code >= 0 && code < count && code == static_cast<int>(code))) {
    throw Napi::RangeError::New(info.Env(), where(fn, i) + " (" + name + ") must be " + names);
  }
  return static_cast<int>(code);
}

// A number that must be finite (and >= min when given).
inline float finite_arg(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  const double v = number_arg(info, i, fn, name);
  if (!std::isfinite(v)) throw Napi::RangeError::New(info.Env(), where(fn, i) + " (" + name + ") must be finite");
  return static_cast<float>(v);
}

// A size that must be at least 1.
inline int64_t positive_arg(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  const int64_t v = size_arg(info, i, fn, name);
  if (v < 1) throw Napi::RangeError::New(info.Env(), where(fn, i) + " (" + name + ") must be at least 1");
  return v;
}

struct Bytes {
  const void* data;
  int64_t size;
};

template <typename T>
inline Bytes bytes_of(const ArrayView<T>& a, int64_t elems) {
  return {a.data, elems * static_cast<int64_t>(sizeof(T))};
}

inline bool overlap(Bytes a, Bytes b) {
  const auto pa = reinterpret_cast<uintptr_t>(a.data), pb = reinterpret_cast<uintptr_t>(b.data);
  return a.size > 0 && b.size > 0 && pa < pb + static_cast<uintptr_t>(b.size) && pb < pa + static_cast<uintptr_t>(a.size);
}

// For ops that read `input` while writing `out` elsewhere: the two must not share memory.
inline void require_disjoint(const Napi::CallbackInfo& info, Bytes out, Bytes input, const char* out_name,
                             const char* input_name, const char* fn) {
  if (overlap(out, input)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + out_name + " must not share memory with " + input_name);
  }
}

// For ops that may run in place: out is either exactly the input (same start) or disjoint from it.
inline void require_same_or_disjoint(const Napi::CallbackInfo& info, Bytes out, Bytes input, const char* input_name,
                                     const char* fn) {
  if (out.data != input.data && overlap(out, input)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": out partially overlaps " + input_name +
                                                " (pass the very same array to work in place)");
  }
}

// Wraps a binding so that a std::exception from inside a kernel (e.g. bad_alloc for scratch)
// becomes a JS Error; Napi errors pass through unchanged.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("sieve native kernel failed: ") + e.what());
  }
}

// attention_ops.cc: pagedKvWrite, pagedAttention (called by RegisterOtherOps).
void RegisterAttentionOps(Napi::Env env, Napi::Object exports);

}  // namespace sieve::napi
