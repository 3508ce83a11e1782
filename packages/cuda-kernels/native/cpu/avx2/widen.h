// Widening loads and reductions shared by the AVX2 linear kernels. Only for files under avx2/.
//
// Everything is in an anonymous namespace on purpose: each avx2/ file gets its own private copy,
// so no inline function compiled with -mavx2 can be merged by the linker into portable code
// (see cpu/parallel.h).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

// 8 weights starting at element i, widened to f32: f16 with F16C, bf16 by a 16-bit shift.
template <WDType D>
inline __m256 load8(const void* w, int64_t i) {
  if constexpr (D == WDType::F32) {
    return _mm256_loadu_ps(static_cast<const float*>(w) + i);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(w) + i));
    if constexpr (D == WDType::F16) {
      return _mm256_cvtph_ps(h);
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
  }
}

// One weight widened to f32 (tails).
template <WDType D>
inline float load1(const void* w, int64_t i) {
  if constexpr (D == WDType::F32) {
    return static_cast<const float*>(w)[i];
  } else if constexpr (D == WDType::F16) {
    return _cvtsh_ss(static_cast<const uint16_t*>(w)[i]);
  } else {
    const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(w)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
}

template <WDType D>
constexpr int64_t bytes_per_weight() {
  return D == WDType::F32 ? 4 : 2;
}

// A per-thread, grow-only, 64-byte aligned scratch buffer for packed operands (no std::vector in
// avx2/ files: see the top of this header).
struct Scratch {
  float* data = nullptr;
  int64_t capacity = 0;
  ~Scratch() { std::free(data); }
  float* get(int64_t floats) {
    if (floats > capacity) {
      std::free(data);
      const size_t bytes = static_cast<size_t>((floats * 4 + 63) / 64 * 64);
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data) std::abort();  // out of memory for a few MB of scratch: nothing sensible to do
      capacity = floats;
    }
    return data;
  }
};

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace
}  // namespace sieve::cpu::avx2
