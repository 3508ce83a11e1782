// Widening loads and the reduction shared by the AVX-512 linear kernels. Only for files under
// avx512/. In an anonymous namespace for the reason given in cpu/avx2/widen.h (which these files
// also include, for the scalar helpers and scratch buffers: their copies stay private here too).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "cpu/avx2/widen.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx512 {
namespace {

using avx2::bytes_per_weight;
using avx2::imax;
using avx2::imin;
using avx2::load1;
using avx2::Scratch;

// 16 weights starting at element i, widened to f32: f16 by vcvtph2ps, bf16 by a 16-bit shift.
template <WDType D>
inline __m512 load16(const void* w, int64_t i) {
  if constexpr (D == WDType::F32) {
    return _mm512_loadu_ps(static_cast<const float*>(w) + i);
  } else {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(w) + i));
    if constexpr (D == WDType::F16) {
      return _mm512_cvtph_ps(h);
    } else {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
  }
}

// The 16 lanes summed in one fixed order (halves, then quarters, ...), the same in every kernel
// here so that results that must match bit for bit do.
// (AVX-512F only: the upper half is taken as 4 doubles, extractf32x8 needs AVX-512DQ.)
inline float hsum16(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace
}  // namespace sieve::cpu::avx512
