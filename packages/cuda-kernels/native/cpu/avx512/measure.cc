// AVX-512 inner loop of the FMA ceiling (cpu/measure.cc): on a CPU with AVX-512F the machine's FMA
// peak is the 16-lane one (two 512-bit FMA ports give ~1.85x the AVX2 figure on the 2-core Xeon
// VM), so the roofline columns of the benchmarks use it whatever tier the kernels run.
#include <immintrin.h>

#include "cpu/measure_kernels.h"

namespace sieve::cpu::detail {

// Twelve independent chains, as in the AVX2 probe: latency 4 x 2 ports needs 8 in flight.
constexpr int kChains = 12;

float fma_rounds_avx512(int64_t iters) {
  const __m512 mul = _mm512_set1_ps(0.999999f);
  const __m512 add = _mm512_set1_ps(1e-6f);
  // Twelve named chains, not an array: GCC kept an array of them on the stack (one load per FMA).
  __m512 c0 = _mm512_set1_ps(0.5f), c1 = _mm512_set1_ps(0.51f), c2 = _mm512_set1_ps(0.52f);
  __m512 c3 = _mm512_set1_ps(0.53f), c4 = _mm512_set1_ps(0.54f), c5 = _mm512_set1_ps(0.55f);
  __m512 c6 = _mm512_set1_ps(0.56f), c7 = _mm512_set1_ps(0.57f), c8 = _mm512_set1_ps(0.58f);
  __m512 c9 = _mm512_set1_ps(0.59f), c10 = _mm512_set1_ps(0.60f), c11 = _mm512_set1_ps(0.61f);
  for (int64_t i = 0; i < iters; ++i) {
    c0 = _mm512_fmadd_ps(c0, mul, add);
    c1 = _mm512_fmadd_ps(c1, mul, add);
    c2 = _mm512_fmadd_ps(c2, mul, add);
    c3 = _mm512_fmadd_ps(c3, mul, add);
    c4 = _mm512_fmadd_ps(c4, mul, add);
    c5 = _mm512_fmadd_ps(c5, mul, add);
    c6 = _mm512_fmadd_ps(c6, mul, add);
    c7 = _mm512_fmadd_ps(c7, mul, add);
    c8 = _mm512_fmadd_ps(c8, mul, add);
    c9 = _mm512_fmadd_ps(c9, mul, add);
    c10 = _mm512_fmadd_ps(c10, mul, add);
    c11 = _mm512_fmadd_ps(c11, mul, add);
  }
  const __m512 s = _mm512_add_ps(
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)), _mm512_add_ps(c4, c5)),
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c6, c7), _mm512_add_ps(c8, c9)), _mm512_add_ps(c10, c11)));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  return lanes[0] + lanes[15];
}

// 12 FMAs x 16 lanes x 2 flops.
double fma_flops_per_round_avx512() { return kChains * 16 * 2; }

}  // namespace sieve::cpu::detail
