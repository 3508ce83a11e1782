// AVX2 inner loops of the ceiling measurements: a streaming read and register-resident FMAs.
#include <immintrin.h>

#include "cpu/measure_kernels.h"

namespace sieve::cpu::detail {

// Eight independent accumulators so the adds never limit the loads; 256 bytes per iteration.
float read_sum_avx2(const float* data, int64_t count) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  for (int64_t i = 0; i < count; i += 64) {
    s0 = _mm256_add_ps(s0, _mm256_load_ps(data + i));
    s1 = _mm256_add_ps(s1, _mm256_load_ps(data + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_load_ps(data + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_load_ps(data + i + 24));
    s4 = _mm256_add_ps(s4, _mm256_load_ps(data + i + 32));
    s5 = _mm256_add_ps(s5, _mm256_load_ps(data + i + 40));
    s6 = _mm256_add_ps(s6, _mm256_load_ps(data + i + 48));
    s7 = _mm256_add_ps(s7, _mm256_load_ps(data + i + 56));
  }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)),
                                 _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7)));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

// Twelve independent FMA chains: latency 4 x 2 ports needs at least 8 in flight; 12 leaves margin
// and still fits the 16 ymm registers.
constexpr int kChains = 12;

float fma_rounds_avx2(int64_t iters) {
  const __m256 mul = _mm256_set1_ps(0.999999f);
  const __m256 add = _mm256_set1_ps(1e-6f);
  __m256 c0 = _mm256_set1_ps(0.5f), c1 = _mm256_set1_ps(0.51f), c2 = _mm256_set1_ps(0.52f);
  __m256 c3 = _mm256_set1_ps(0.53f), c4 = _mm256_set1_ps(0.54f), c5 = _mm256_set1_ps(0.55f);
  __m256 c6 = _mm256_set1_ps(0.56f), c7 = _mm256_set1_ps(0.57f), c8 = _mm256_set1_ps(0.58f);
  __m256 c9 = _mm256_set1_ps(0.59f), c10 = _mm256_set1_ps(0.60f), c11 = _mm256_set1_ps(0.61f);
  for (int64_t i = 0; i < iters; ++i) {
    c0 = _mm256_fmadd_ps(c0, mul, add);
    c1 = _mm256_fmadd_ps(c1, mul, add);
    c2 = _mm256_fmadd_ps(c2, mul, add);
    c3 = _mm256_fmadd_ps(c3, mul, add);
    c4 = _mm256_fmadd_ps(c4, mul, add);
    c5 = _mm256_fmadd_ps(c5, mul, add);
    c6 = _mm256_fmadd_ps(c6, mul, add);
    c7 = _mm256_fmadd_ps(c7, mul, add);
    c8 = _mm256_fmadd_ps(c8, mul, add);
    c9 = _mm256_fmadd_ps(c9, mul, add);
    c10 = _mm256_fmadd_ps(c10, mul, add);
    c11 = _mm256_fmadd_ps(c11, mul, add);
  }
  const __m256 s = _mm256_add_ps(
      _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)), _mm256_add_ps(c4, c5)),
      _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c6, c7), _mm256_add_ps(c8, c9)), _mm256_add_ps(c10, c11)));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  return lanes[0] + lanes[7];
}

// 12 FMAs x 8 lanes x 2 flops.
double fma_flops_per_round_avx2() { return kChains * 8 * 2; }

}  // namespace sieve::cpu::detail
