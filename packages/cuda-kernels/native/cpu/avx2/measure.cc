// AVX2 inner loops of the ceiling measurements: a streaming read and register-resident FMAs.
#include <immintrin.h>

#include "cpu/measure_kernels.h"

namespace sieve::cpu::detail {

// The fastest read pattern found on the target machines, so the ceiling is not understated: the
// slice is read as 4 interleaved sequential streams (64 bytes from each per step, one accumulator
// pair each) with a software prefetch 1 KB ahead in every stream. A single sequential stream per
// thread measured about 20% lower on 2-core Xeon VMs, i.e. it hides memory latency worse than the
// multi-row GEMV kernels do. count must be a multiple of 4 * 16 floats.
float read_sum_avx2(const float* data, int64_t count) {
  const int64_t per = count / 4;
  const float* s0 = data;
  const float* s1 = s0 + per;
  const float* s2 = s1 + per;
  const float* s3 = s2 + per;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  constexpr int64_t kAhead = 1024 / 4;  // floats
  for (int64_t i = 0; i < per; i += 16) {
    _mm_prefetch(reinterpret_cast<const char*>(s0 + i + kAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(s1 + i + kAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(s2 + i + kAhead), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(s3 + i + kAhead), _MM_HINT_T0);
    a0 = _mm256_add_ps(a0, _mm256_load_ps(s0 + i));
    b0 = _mm256_add_ps(b0, _mm256_load_ps(s0 + i + 8));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(s1 + i));
    b1 = _mm256_add_ps(b1, _mm256_load_ps(s1 + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(s2 + i));
    b2 = _mm256_add_ps(b2, _mm256_load_ps(s2 + i + 8));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(s3 + i));
    b3 = _mm256_add_ps(b3, _mm256_load_ps(s3 + i + 8));
  }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1)),
                                 _mm256_add_ps(_mm256_add_ps(a2, b2), _mm256_add_ps(a3, b3)));
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
