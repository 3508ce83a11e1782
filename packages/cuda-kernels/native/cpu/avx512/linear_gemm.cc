// The AVX-512 packed GEMM for prefill-sized m: out[m, n] = x[m, k] · w[n, k]^T (+ bias). The
// plan of cpu/avx2/linear_gemm.cc (W and x packed into contiguous micro-panels, W widened to f32
// through 8x8 transposes while packing; a KC-deep B micro-panel in L1 while the packed x block
// streams past it; threads split W's rows) with a 12x32 register tile: 24 zmm accumulators, two
// B vectors, one broadcast, 24 FMAs per 2 + 12 loads.
//
// Blocking for 48 KB L1 / 2 MB L2 per core: KC = 192 keeps the B micro-panel (24 KB) and the A
// micro-panel (9 KB) in L1 together; MC = 144 x rows make a 108 KB packed x block; NC = 2048 W rows
// a 1.5 MB packed W block (L2).
#include "cpu/avx2/transpose8.h"
#include "cpu/avx512/linear_kernels.h"
#include "cpu/avx512/widen.h"
#include "cpu/parallel.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx512::detail {
namespace {

using avx2::load8;
using avx2::transpose8;

constexpr int64_t MR = 12;    // x rows per register tile
constexpr int64_t NR = 32;    // W rows (output columns) per register tile: two zmm
constexpr int64_t KC = 192;   // depth of one packed block
constexpr int64_t MC = 144;   // x rows per packed A block
constexpr int64_t NC = 2048;  // W rows per packed B block

thread_local Scratch t_pack_a;
thread_local Scratch t_pack_b;

// Packs W rows [j0, j0 + nc) x depth [p0, p0 + kc) as ceil(nc/32) micro-panels laid out [kc][32]
// (f32), zero-padding rows past nc; full panels go through 8x8 register transposes.
template <WDType D>
void pack_b(float* dst, const void* w, int64_t k, int64_t j0, int64_t nc, int64_t p0, int64_t kc) {
  for (int64_t jp = 0; jp < nc; jp += NR, dst += NR * kc) {
    const int64_t rows = imin(NR, nc - jp);
    const int64_t base = (j0 + jp) * k + p0;
    int64_t p = 0;
    if (rows == NR) {
      for (; p + 8 <= kc; p += 8) {
        for (int h = 0; h < NR / 8; ++h) {
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

// Packs x rows [i0, i0 + mc) x depth [p0, p0 + kc) as ceil(mc/12) micro-panels laid out [kc][12],
// zero-padding rows past mc.
void pack_a(float* dst, const float* x, int64_t k, int64_t i0, int64_t mc, int64_t p0, int64_t kc) {
  for (int64_t ip = 0; ip < mc; ip += MR, dst += MR * kc) {
    const int64_t rows = imin(MR, mc - ip);
    const float* src = x + (i0 + ip) * k + p0;
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t i = 0; i < MR; ++i) dst[p * MR + i] = i < rows ? src[i * k + p] : 0.0f;
  }
}

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
            micro_12x32(kc, Ap + (ir / MR) * MR * kc, Bpanel, out + (ic + ir) * n + jc + jr, n, imin(MR, mc - ir),
                        imin(NR, nc - jr), first, bias_tile);
          }
        }
      }
    }
  }
}

// Threads split W's rows (column panels) when there are enough of them, else x's rows.
template <WDType D>
void gemm(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias) {
  const int64_t n_panels = (n + NR - 1) / NR;
  const int64_t m_panels = (m + MR - 1) / MR;
  const bool tiny = m * n * k < 256 * 1024;  // not worth waking a worker
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

}  // namespace sieve::cpu::avx512::detail
