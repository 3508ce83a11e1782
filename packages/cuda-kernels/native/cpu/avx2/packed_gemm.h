// The packing and blocking of the packed GEMMs, shared by the AVX2 (avx2/linear_gemm.cc, 6x16
// register tile) and AVX-512 (avx512/linear_gemm.cc, 12x32) ones, which differ only in their
// register tile and block sizes. A tile type supplies both:
//
//   struct Tile {
//     static constexpr int64_t MR, NR;  // x rows x W rows (output columns) per register tile; NR % 8 == 0
//     static constexpr int64_t KC, MC, NC;  // packed block depth, x rows per A block, W rows per B block
//     static void micro(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int64_t rows,
//                       int64_t cols, bool first, const float* bias);  // C[rows, cols] (+)= A · B
//   };
//
// Blocking: a KC-deep B micro-panel stays in L1 while the MC x KC packed x block (L2) streams past
// it; the KC x NC packed W block lives in L2/L3. Threads split N (W rows) so each packs and reads
// only its share of W; with too few column panels they split M instead. W is widened to f32 while
// packing, through 8x8 register transposes. In an anonymous namespace for the reason given in
// cpu/parallel.h (each including file, whatever its ISA flags, gets its own copy).
#pragma once

#include "cpu/avx2/widen.h"
#include "cpu/parallel.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

// 8x8 transpose in registers: r[i][j] -> r[j][i].
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

thread_local Scratch t_gemm_pack_a;
thread_local Scratch t_gemm_pack_b;

// Packs W rows [j0, j0 + nc) x depth [p0, p0 + kc) as ceil(nc/NR) micro-panels laid out [kc][NR]
// (f32), zero-padding rows past nc. Full panels go through 8x8 register transposes. (Prefetching
// the next panel's rows measured no better: at the m the packed GEMM gets, packing is a small
// share of the time.)
template <int64_t NR, WDType D>
void pack_b_panels(float* dst, const void* w, int64_t k, int64_t j0, int64_t nc, int64_t p0, int64_t kc) {
  static_assert(NR % 8 == 0, "W panels are transposed in 8x8 blocks");
  for (int64_t jp = 0; jp < nc; jp += NR, dst += NR * kc) {
    const int64_t rows = imin(NR, nc - jp);
    const int64_t base = (j0 + jp) * k + p0;
    int64_t p = 0;
    if (rows == NR) {
      for (; p + 8 <= kc; p += 8) {
        for (int64_t h = 0; h < NR / 8; ++h) {
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

// Packs x rows [i0, i0 + mc) x depth [p0, p0 + kc) as ceil(mc/MR) micro-panels laid out [kc][MR],
// zero-padding rows past mc.
template <int64_t MR>
void pack_a_panels(float* dst, const float* x, int64_t k, int64_t i0, int64_t mc, int64_t p0, int64_t kc) {
  for (int64_t ip = 0; ip < mc; ip += MR, dst += MR * kc) {
    const int64_t rows = imin(MR, mc - ip);
    const float* src = x + (i0 + ip) * k + p0;
    if (rows == MR) {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < MR; ++i) dst[p * MR + i] = src[i * k + p];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < MR; ++i) dst[p * MR + i] = i < rows ? src[i * k + p] : 0.0f;
    }
  }
}

// One thread's share: out rows [m0, m1) x columns [n0, n1), all of k (k >= 1).
template <class Tile, WDType D>
void gemm_range(float* out, const float* x, const void* w, int64_t n, int64_t k, const float* bias, int64_t m0,
                int64_t m1, int64_t n0, int64_t n1) {
  constexpr int64_t MR = Tile::MR, NR = Tile::NR, KC = Tile::KC, MC = Tile::MC, NC = Tile::NC;
  const int64_t kc_max = imin(KC, k);
  const int64_t nc_max = imin(NC, n1 - n0);
  const int64_t mc_max = imin(MC, m1 - m0);
  float* Bp = t_gemm_pack_b.get(((nc_max + NR - 1) / NR) * NR * kc_max);
  float* Ap = t_gemm_pack_a.get(((mc_max + MR - 1) / MR) * MR * kc_max);
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = imin(NC, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = imin(KC, k - pc);
      const bool first = pc == 0;
      pack_b_panels<NR, D>(Bp, w, k, jc, nc, pc, kc);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = imin(MC, m1 - ic);
        pack_a_panels<MR>(Ap, x, k, ic, mc, pc, kc);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const float* Bpanel = Bp + (jr / NR) * NR * kc;
          const float* bias_tile = bias ? bias + jc + jr : nullptr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            Tile::micro(kc, Ap + (ir / MR) * MR * kc, Bpanel, out + (ic + ir) * n + jc + jr, n, imin(MR, mc - ir),
                        imin(NR, nc - jr), first, bias_tile);
          }
        }
      }
    }
  }
}

// out[m, n] = x · w^T + bias: the output split between threads by column panels (W rows) when
// there are enough of them, so each thread packs and streams a disjoint part of W; otherwise by
// row panels of x.
template <class Tile, WDType D>
void gemm_split(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias) {
  constexpr int64_t MR = Tile::MR, NR = Tile::NR;
  const int64_t n_panels = (n + NR - 1) / NR;
  const int64_t m_panels = (m + MR - 1) / MR;
  // Small products are not worth a wake-up: keep them on the calling thread.
  const bool tiny = m * n * k < 256 * 1024;
  const int64_t threads = tiny ? 1 : num_threads();
  if (n_panels >= threads || m_panels < threads) {
    auto body = [=](int64_t b, int64_t e) { gemm_range<Tile, D>(out, x, w, n, k, bias, 0, m, b * NR, imin(e * NR, n)); };
    sieve::detail::parallel_for_each(n_panels, tiny ? n_panels : 1, body);
  } else {
    auto body = [=](int64_t b, int64_t e) { gemm_range<Tile, D>(out, x, w, n, k, bias, b * MR, imin(e * MR, m), 0, n); };
    sieve::detail::parallel_for_each(m_panels, 1, body);
  }
}

}  // namespace
}  // namespace sieve::cpu::avx2
