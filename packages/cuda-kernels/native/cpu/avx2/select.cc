// AVX2 argmax (one pass, per-lane best value and index); top-k runs the portable kernel, whose
// cost is a scalar threshold compare per element that AVX2 would not change much.
#include <immintrin.h>

#include <climits>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// Same result as the scalar rule "best = x[0]; take x[j] only when x[j] > best": the first index
// of the largest value, NaNs never taken (a NaN in column 0 wins, since nothing is > NaN).
int32_t argmax_row(const float* x, int64_t n) {
  if (n < 16 || x[0] != x[0]) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; ++j) if (x[j] > x[best]) best = j;
    return static_cast<int32_t>(best);
  }
  // Each lane keeps its own best (strict > keeps the lane's earliest index on ties).
  __m256 best_v = _mm256_loadu_ps(x);
  __m256i best_i = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i idx = best_i;
  const __m256i step = _mm256_set1_epi32(8);
  int64_t j = 8;
  for (; j + 8 <= n; j += 8) {
    idx = _mm256_add_epi32(idx, step);
    const __m256 v = _mm256_loadu_ps(x + j);
    const __m256 gt = _mm256_cmp_ps(v, best_v, _CMP_GT_OQ);
    best_v = _mm256_blendv_ps(best_v, v, gt);
    best_i = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(best_i), _mm256_castsi256_ps(idx), gt));
  }
  alignas(32) float lane_v[8];
  alignas(32) int32_t lane_i[8];
  _mm256_store_ps(lane_v, best_v);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lane_i), best_i);
  // Across lanes: the largest value, then the lowest index; a lane still holding NaN (its first
  // element was NaN and nothing is > NaN) is skipped. Lane 0 starts at x[0], which is not NaN.
  float v = lane_v[0];
  int32_t b = lane_i[0];
  for (int l = 1; l < 8; ++l) {
    if (lane_v[l] > v || (lane_v[l] == v && lane_i[l] < b)) {
      v = lane_v[l];
      b = lane_i[l];
    }
  }
  // The tail's indices are all larger, so strict > is the tie rule.
  for (; j < n; ++j) {
    if (x[j] > v) {
      v = x[j];
      b = static_cast<int32_t>(j);
    }
  }
  return b;
}

}  // namespace

void argmax(int32_t* out, const float* x, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const int64_t grain = cols >= 16384 ? 1 : 16384 / cols;
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) out[r] = argmax_row(x + r * cols, cols);
  };
  sieve::detail::parallel_for_each(rows, grain, body);
}

void topk(float* out_values, int32_t* out_indices, const float* x, int64_t rows, int64_t cols, int64_t k) {
  portable::topk(out_values, out_indices, x, rows, cols, k);
}

}  // namespace sieve::cpu::avx2
