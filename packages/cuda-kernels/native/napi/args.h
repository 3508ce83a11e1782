// Argument helpers for the binding: typed-array views without copies, with checks that throw a
// JS error naming the function and the argument instead of letting a kernel read out of bounds.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace sieve::napi {

template <typename T>
struct ArrayView {
  T* data = nullptr;
  size_t length = 0;  // in elements
};

inline std::string where(const char* fn, int index) {
  return std::string(fn) + ": argument " + std::to_string(index);
}

template <typename T, napi_typedarray_type Type>
ArrayView<T> typed(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Type) {
    throw Napi::TypeError::New(info.Env(), where(fn, i) + " (" + name + ") has the wrong array type");
  }
  auto arr = v.As<Napi::TypedArray>();
  auto* base = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  return {reinterpret_cast<T*>(base), arr.ElementLength()};
}

inline ArrayView<float> f32(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  return typed<float, napi_float32_array>(info, i, fn, name);
}
inline ArrayView<int32_t> i32(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  return typed<int32_t, napi_int32_array>(info, i, fn, name);
}
inline ArrayView<uint16_t> u16(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  return typed<uint16_t, napi_uint16_array>(info, i, fn, name);
}

// An optional Float32Array: null or undefined gives an empty view.
inline ArrayView<float> optional_f32(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  if (info.Length() <= static_cast<size_t>(i) || info[i].IsNull() || info[i].IsUndefined()) return {};
  return f32(info, i, fn, name);
}

// A non-negative integer argument (sizes, counts).
inline int64_t size_arg(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), where(fn, i) + " (" + name + ") must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > 9.0e15) {
    throw Napi::RangeError::New(info.Env(), where(fn, i) + " (" + name + ") must be a non-negative integer");
  }
  return static_cast<int64_t>(d);
}

inline double number_arg(const Napi::CallbackInfo& info, int i, const char* fn, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), where(fn, i) + " (" + name + ") must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// Throws unless the view holds at least `needed` elements.
template <typename T>
void require_length(const Napi::CallbackInfo& info, const ArrayView<T>& a, int64_t needed, const char* fn,
                    const char* name) {
  if (needed < 0 || a.length < static_cast<size_t>(needed)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + name + " has " + std::to_string(a.length) +
                                                " elements, needs " + std::to_string(needed));
  }
}

}  // namespace sieve::napi
