// The AVX-512 packed GEMM for prefill-sized m: out[m, n] = x[m, k] · w[n, k]^T (+ bias), with a
// 12x32 register tile (24 zmm accumulators, two B vectors, one broadcast: 24 FMAs per 2 + 12
// loads). Packing, blocking and the thread split are avx2/packed_gemm.h's, shared with the AVX2
// GEMM; the block sizes are for 48 KB L1 / 2 MB L2 per core: KC = 192 keeps the B micro-panel
// (24 KB) and the A micro-panel (9 KB) in L1 together; MC = 144 x rows make a 108 KB packed x
// block; NC = 2048 W rows a 1.5 MB packed W block (L2).
#include "cpu/avx2/packed_gemm.h"
#include "cpu/avx512/linear_kernels.h"
#include "cpu/avx512/widen.h"

namespace sieve::cpu::avx512::detail {
namespace {

constexpr int64_t MR = 12;  // x rows per register tile
constexpr int64_t NR = 32;  // W rows (output columns) per register tile: two zmm

// The 12x32 register tile: C[12, 32] (+)= A[12, kc] · B[kc, 32] from packed micro-panels. `first`
// means the first depth block: write acc + bias instead of adding to C. Partial tiles go through a
// stack buffer so nothing past the edge is touched.
void micro_12x32(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int64_t rows, int64_t cols,
                 bool first, const float* bias) {
  __m512 c[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) c[i][0] = c[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, A += MR, B += NR) {
    const __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(A[i]);
      c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
      c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
    }
  }
  if (rows == MR && cols == NR) {
    __m512 bias0 = _mm512_setzero_ps(), bias1 = bias0;
    if (first && bias) {
      bias0 = _mm512_loadu_ps(bias);
      bias1 = _mm512_loadu_ps(bias + 16);
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      float* o = C + i * ldc;
      const __m512 base0 = first ? bias0 : _mm512_loadu_ps(o);
      const __m512 base1 = first ? bias1 : _mm512_loadu_ps(o + 16);
      _mm512_storeu_ps(o, _mm512_add_ps(base0, c[i][0]));
      _mm512_storeu_ps(o + 16, _mm512_add_ps(base1, c[i][1]));
    }
    return;
  }
  alignas(64) float tile[MR][NR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    _mm512_store_ps(tile[i], c[i][0]);
    _mm512_store_ps(tile[i] + 16, c[i][1]);
  }
  for (int64_t i = 0; i < rows; ++i) {
    float* o = C + i * ldc;
    for (int64_t j = 0; j < cols; ++j) o[j] = (first ? (bias ? bias[j] : 0.0f) : o[j]) + tile[i][j];
  }
}

struct Tile12x32 {
  static constexpr int64_t MR = detail::MR, NR = detail::NR;
  static constexpr int64_t KC = 192, MC = 144, NC = 2048;
  static void micro(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int64_t rows, int64_t cols,
                    bool first, const float* bias) {
    micro_12x32(kc, A, B, C, ldc, rows, cols, first, bias);
  }
};

}  // namespace

void packed_gemm(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias) {
  switch (wdt) {
    case WDType::F32: return avx2::gemm_split<Tile12x32, WDType::F32>(out, x, w, m, n, k, bias);
    case WDType::F16: return avx2::gemm_split<Tile12x32, WDType::F16>(out, x, w, m, n, k, bias);
    case WDType::BF16: return avx2::gemm_split<Tile12x32, WDType::BF16>(out, x, w, m, n, k, bias);
  }
}

}  // namespace sieve::cpu::avx512::detail
