// The packed GEMM for prefill-sized m: out[m, n] = x[m, k] · w[n, k]^T (+ bias).
//
// Panels of W (widened to f32 while packing, through 8x8 register transposes) and of x are copied
// into contiguous micro-panels, and a 6x16 register tile (12 ymm accumulators, 2 B vectors, 1
// broadcast) runs over them. Blocking: a KC-deep B micro-panel (16 KB) stays in L1 while the
// MC x KC packed x block (L2) streams past it; the KC x NC packed W block lives in L2/L3. Threads
// split N (W rows) so each packs and reads only its share of W; with too few column panels they
// split M instead.
//
// Everything here is in an anonymous namespace and uses no library templates (see cpu/parallel.h).
#include "cpu/avx2/linear_kernels.h"
#include "cpu/avx2/transpose8.h"
#include "cpu/avx2/widen.h"
#include "cpu/parallel.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2::detail {
namespace {

constexpr int64_t MR = 6;     // x rows per register tile
constexpr int64_t NR = 16;    // W rows (output columns) per register tile: two ymm
constexpr int64_t KC = 256;   // depth of one packed block: B micro-panel 16 KB, A micro-panel 6 KB (L1)
constexpr int64_t MC = 144;   // x rows per packed A block: 144 KB (L2)
constexpr int64_t NC = 2048;  // W rows per packed B block: 2 MB (L2/L3)

thread_local Scratch t_pack_a;
thread_local Scratch t_pack_b;

// Packs W rows [j0, j0 + nc) x depth [p0, p0 + kc) as ceil(nc/16) micro-panels laid out
// [kc][16] (f32), zero-padding rows past nc. Full panels go through 8x8 register transposes.
// (Prefetching the next panel's rows measured no better: at the m this kernel gets, packing is a
// small share of the time.)
template <WDType D>
void pack_b(float* dst, const void* w, int64_t k, int64_t j0, int64_t nc, int64_t p0, int64_t kc) {
  for (int64_t jp = 0; jp < nc; jp += NR, dst += NR * kc) {
    const int64_t rows = imin(NR, nc - jp);
    const int64_t base = (j0 + jp) * k + p0;
    int64_t p = 0;
    if (rows == NR) {
      for (; p + 8 <= kc; p += 8) {
        for (int h = 0; h < 2; ++h) {
          __m256 r[8];
          for (int i = 0; i < 8; ++i) r[i] = load8<D>(w, base + (h * 8 + i) * k + p);
          transpose8(r);
          for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + (p + q) * NR + h * 8, r[q]);
        }
      }
    }
    for (; p < kc; ++p) {
      for (int64_t j = 0; j < NR; ++j) dst[p * NR + j] = j < rows ? load1<D>(w, base + j * k + p) : 0.0f;
    }
  }
}

// Packs x rows [i0, i0 + mc) x depth [p0, p0 + kc) as ceil(mc/6) micro-panels laid out [kc][6],
// zero-padding rows past mc.
void pack_a(float* dst, const float* x, int64_t k, int64_t i0, int64_t mc, int64_t p0, int64_t kc) {
  for (int64_t ip = 0; ip < mc; ip += MR, dst += MR * kc) {
    const int64_t rows = imin(MR, mc - ip);
    const float* src = x + (i0 + ip) * k + p0;
    if (rows == MR) {
      const float *s0 = src, *s1 = s0 + k, *s2 = s1 + k, *s3 = s2 + k, *s4 = s3 + k, *s5 = s4 + k;
      for (int64_t p = 0; p < kc; ++p) {
        float* d = dst + p * MR;
        d[0] = s0[p];
        d[1] = s1[p];
        d[2] = s2[p];
        d[3] = s3[p];
        d[4] = s4[p];
        d[5] = s5[p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < MR; ++i) dst[p * MR + i] = i < rows ? src[i * k + p] : 0.0f;
    }
  }
}

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

// One thread's share: out rows [m0, m1) x columns [n0, n1), all of k (k >= 1).
template <WDType D>
void gemm_range(float* out, const float* x, const void* w, int64_t n, int64_t k, const float* bias, int64_t m0,
                int64_t m1, int64_t n0, int64_t n1) {
  const int64_t kc_max = imin(KC, k);
  const int64_t nc_max = imin(NC, n1 - n0);
  const int64_t mc_max = imin(MC, m1 - m0);
  float* Bp = t_pack_b.get(((nc_max + NR - 1) / NR) * NR * kc_max);
  float* Ap = t_pack_a.get(((mc_max + MR - 1) / MR) * MR * kc_max);
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = imin(NC, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = imin(KC, k - pc);
      const bool first = pc == 0;
      pack_b<D>(Bp, w, k, jc, nc, pc, kc);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = imin(MC, m1 - ic);
        pack_a(Ap, x, k, ic, mc, pc, kc);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const float* Bpanel = Bp + (jr / NR) * NR * kc;
          const float* bias_tile = bias ? bias + jc + jr : nullptr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            micro_6x16(kc, Ap + (ir / MR) * MR * kc, Bpanel, out + (ic + ir) * n + jc + jr, n, imin(MR, mc - ir),
                       imin(NR, nc - jr), first, bias_tile);
          }
        }
      }
    }
  }
}

// Splits the output between threads: by column panels (W rows) when there are enough of them, so
// that each thread packs and streams a disjoint part of W; otherwise by row panels of x.
template <WDType D>
void gemm(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias) {
  const int64_t n_panels = (n + NR - 1) / NR;
  const int64_t m_panels = (m + MR - 1) / MR;
  // Small products are not worth a wake-up: keep them on the calling thread.
  const bool tiny = m * n * k < 256 * 1024;
  const int64_t threads = tiny ? 1 : num_threads();
  if (n_panels >= threads || m_panels < threads) {
    auto body = [=](int64_t b, int64_t e) { gemm_range<D>(out, x, w, n, k, bias, 0, m, b * NR, imin(e * NR, n)); };
    sieve::detail::parallel_for_each(n_panels, tiny ? n_panels : 1, body);
  } else {
    auto body = [=](int64_t b, int64_t e) { gemm_range<D>(out, x, w, n, k, bias, b * MR, imin(e * MR, m), 0, n); };
    sieve::detail::parallel_for_each(m_panels, 1, body);
  }
}

}  // namespace

void packed_gemm(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias) {
  switch (wdt) {
    case WDType::F32: return gemm<WDType::F32>(out, x, w, m, n, k, bias);
    case WDType::F16: return gemm<WDType::F16>(out, x, w, m, n, k, bias);
    case WDType::BF16: return gemm<WDType::BF16>(out, x, w, m, n, k, bias);
  }
}

}  // namespace sieve::cpu::avx2::detail
