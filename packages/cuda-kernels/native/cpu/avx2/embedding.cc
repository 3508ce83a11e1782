// AVX2 embedding lookup: each row is widened 8 values at a time (F16C for f16, a 16-bit shift for
// bf16); f32 rows are plain copies.
#include <immintrin.h>

#include <cstring>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// The last n < 8 halves, zero-padded into a full vector's worth (a 16-byte load past the row could
// cross into an unmapped page). The scalar helpers of half.h are deliberately not used here: an
// out-of-line copy compiled with AVX2 could be merged with the portable files' copy.
inline __m128i load_tail_u16(const uint16_t* in, int64_t n) {
  alignas(16) uint16_t buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(buf, in, static_cast<size_t>(n) * sizeof(uint16_t));
  return _mm_load_si128(reinterpret_cast<const __m128i*>(buf));
}

void widen_f16(float* out, const uint16_t* in, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    _mm256_storeu_ps(out + j, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + j))));
  }
  if (j < n) vec::store_tail(out + j, vec::tail_mask(n - j), _mm256_cvtph_ps(load_tail_u16(in + j, n - j)));
}

void widen_bf16(float* out, const uint16_t* in, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + j)));
    _mm256_storeu_ps(out + j, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
  }
  if (j < n) {
    const __m256i wide = _mm256_cvtepu16_epi32(load_tail_u16(in + j, n - j));
    vec::store_tail(out + j, vec::tail_mask(n - j), _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
  }
}

}  // namespace

// Ids were range-checked by the caller (the binding).
void embedding(float* out, const void* table, WDType dt, const int32_t* ids, int64_t num_ids, int64_t dim) {
  if (dim <= 0) return;
  const int64_t grain = dim >= 8192 ? 1 : 8192 / dim;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t row = static_cast<int64_t>(ids[t]) * dim;
      float* dst = out + t * dim;
      if (dt == WDType::F32) {
        std::memcpy(dst, static_cast<const float*>(table) + row, static_cast<size_t>(dim) * sizeof(float));
      } else if (dt == WDType::F16) {
        widen_f16(dst, static_cast<const uint16_t*>(table) + row, dim);
      } else {
        widen_bf16(dst, static_cast<const uint16_t*>(table) + row, dim);
      }
    }
  };
  sieve::detail::parallel_for_each(num_ids, grain, body);
}

}  // namespace sieve::cpu::avx2
