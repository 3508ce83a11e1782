// The packed GEMM for prefill-sized m: out[m, n] = x[m, k] · w[n, k]^T (+ bias).
//
// Panels of W (widened to f32 while packing) and of x are copied into contiguous micro-panels, and
// a 6x16 register tile (12 ymm accumulators, 2 B vectors, 1 broadcast) runs over them; packing,
// blocking and the thread split are avx2/packed_gemm.h's, shared with the AVX-512 GEMM.
//
// Everything here is in an anonymous namespace and uses no library templates (see cpu/parallel.h).
#include "cpu/avx2/linear_kernels.h"
#include "cpu/avx2/packed_gemm.h"

namespace sieve::cpu::avx2::detail {
namespace {

constexpr int64_t MR = 6;   // x rows per register tile
constexpr int64_t NR = 16;  // W rows (output columns) per register tile: two ymm

// The 6x16 register tile: C[6, 16] (+)= A[6, kc] · B[kc, 16] from packed micro-panels. `first`
// means this is the first depth block: write (acc + bias) instead of adding to C. Partial tiles
// (rows < 6 or cols < 16) go through a small stack buffer so nothing past the edge is touched.
void micro_6x16(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int64_t rows, int64_t cols,
                bool first, const float* bias) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t p = 0; p < kc; ++p, A += MR, B += NR) {
    const __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
    __m256 a = _mm256_broadcast_ss(A);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(A + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(A + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(A + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(A + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(A + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
  }
  const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (rows == MR && cols == NR) {
    __m256 bias0 = _mm256_setzero_ps(), bias1 = bias0;
    if (first && bias) {
      bias0 = _mm256_loadu_ps(bias);
      bias1 = _mm256_loadu_ps(bias + 8);
    }
    for (int64_t i = 0; i < MR; ++i) {
      float* c = C + i * ldc;
      const __m256 base0 = first ? bias0 : _mm256_loadu_ps(c);
      const __m256 base1 = first ? bias1 : _mm256_loadu_ps(c + 8);
      _mm256_storeu_ps(c, _mm256_add_ps(base0, acc[i][0]));
      _mm256_storeu_ps(c + 8, _mm256_add_ps(base1, acc[i][1]));
    }
    return;
  }
  alignas(32) float tile[MR][NR];
  for (int64_t i = 0; i < MR; ++i) {
    _mm256_store_ps(tile[i], acc[i][0]);
    _mm256_store_ps(tile[i] + 8, acc[i][1]);
  }
  for (int64_t i = 0; i < rows; ++i) {
    float* c = C + i * ldc;
    for (int64_t j = 0; j < cols; ++j) c[j] = (first ? (bias ? bias[j] : 0.0f) : c[j]) + tile[i][j];
  }
}

struct Tile6x16 {
  static constexpr int64_t MR = detail::MR, NR = detail::NR;
  static constexpr int64_t KC = 256;   // depth of one packed block: B micro-panel 16 KB, A micro-panel 6 KB (L1)
  static constexpr int64_t MC = 144;   // x rows per packed A block: 144 KB (L2)
  static constexpr int64_t NC = 2048;  // W rows per packed B block: 2 MB (L2/L3)
  static void micro(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int64_t rows, int64_t cols,
                    bool first, const float* bias) {
    micro_6x16(kc, A, B, C, ldc, rows, cols, first, bias);
  }
};

}  // namespace

void packed_gemm(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias) {
  switch (wdt) {
    case WDType::F32: return gemm_split<Tile6x16, WDType::F32>(out, x, w, m, n, k, bias);
    case WDType::F16: return gemm_split<Tile6x16, WDType::F16>(out, x, w, m, n, k, bias);
    case WDType::BF16: return gemm_split<Tile6x16, WDType::BF16>(out, x, w, m, n, k, bias);
  }
}

}  // namespace sieve::cpu::avx2::detail
