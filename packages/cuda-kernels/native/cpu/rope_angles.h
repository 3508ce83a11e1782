// Shared by both RoPE variants: the cos/sin of one row's rotation angles. The angle p * invFreq[i]
// is formed and reduced in double, because in f32 a position of a few thousand times a frequency
// near 1 already loses 1e-4 rad; cos and sin are then rounded once to f32 for the rotation.
#pragma once

#include <cmath>
#include <cstdint>

namespace sieve::cpu {

static inline void rope_angles(int32_t position, const float* inv_freq, int64_t n_freq, float* cos_out, float* sin_out) {
  for (int64_t i = 0; i < n_freq; ++i) {
    const double angle = static_cast<double>(position) * static_cast<double>(inv_freq[i]);
    cos_out[i] = static_cast<float>(std::cos(angle));
    sin_out[i] = static_cast<float>(std::sin(angle));
  }
}

}  // namespace sieve::cpu
