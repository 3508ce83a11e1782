// AVX2 threshold selection for TEAL: the indices of the inputs with |x| >= threshold, eight inputs
// per step (compare, movemask, then a table turns the 8-bit mask into the kept lanes' numbers,
// which one unaligned store writes at the list's end). It runs before every TEAL product, over
// every row of a batch and every token of a prefill.
#include <immintrin.h>

#include "cpu/avx2/sparse_weight_simd.h"
#include "sieve/activation_sparse_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// The kept-lane mask of x[0:8): |x| >= threshold (false for NaN, like the scalar compare).
inline int kept_mask(const float* x, __m256 threshold) {
  const __m256 magnitude = _mm256_and_ps(_mm256_loadu_ps(x), _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
  return _mm256_movemask_ps(_mm256_cmp_ps(magnitude, threshold, _CMP_GE_OQ));
}

// Appends j + (the lanes of mask) to idx[count..]. Writes 8 entries, so idx must have room for
// count + 8: callers guarantee count <= j and j + 8 <= k.
inline int64_t append_lanes(int32_t* idx, int64_t count, int64_t j, int mask) {
  const __m256i lanes = _mm256_load_si256(reinterpret_cast<const __m256i*>(kCompress.lanes[mask]));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + count), _mm256_add_epi32(lanes, _mm256_set1_epi32(static_cast<int>(j))));
  return count + kPopcount.n[mask];
}

}  // namespace

int64_t threshold_select(int32_t* idx, const float* x, int64_t m, int64_t k, float threshold, int64_t* kept) {
  const __m256 t = _mm256_set1_ps(threshold);
  int64_t count = 0, total = 0, j = 0;
  for (; j + 8 <= k; j += 8) {
    int any = 0;
    for (int64_t r = 0; r < m; ++r) {
      const int mask = kept_mask(x + r * k + j, t);
      any |= mask;
      total += kPopcount.n[mask];
    }
    count = append_lanes(idx, count, j, any);
  }
  for (; j < k; ++j) {  // the last k % 8 inputs
    bool keep = false;
    for (int64_t r = 0; r < m; ++r) {
      const float v = x[r * k + j];
      const bool kept_here = v >= threshold || v <= -threshold;
      keep |= kept_here;
      total += kept_here;
    }
    if (keep) idx[count++] = static_cast<int32_t>(j);
  }
  if (kept) *kept = total;
  return count;
}

}  // namespace sieve::cpu::avx2
