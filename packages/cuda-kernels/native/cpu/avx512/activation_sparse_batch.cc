// AVX-512 sparse_matmul_im (several token rows): the two kernels of cpu/avx2/
// activation_sparse_batch.cc (read its header for the memory plans) with 16-lane vectors and 32
// registers, under the same outer loops (avx2/input_major_passes.h: passes of 64 rows, threads
// splitting the active list into private partial outputs).
//
// - few_rows_inputs (m <= kFewRows = 8): the batch-1 GEMV's walk, each weight vector loaded and
//   widened once for all token rows, whose accumulators (2 zmm = 32 columns per row) stay in
//   registers (AVX2's 16 registers stop it at 6 rows).
// - panel_rows (more rows): panels of 32 input rows; per 48-column block the lead tile (4 token
//   rows) reads, widens and stages the panel's weights in L1, the other tiles (8 rows: 24
//   accumulators, each staged vector feeding 8 FMAs per load) read the stage.
//
// Why: this is the path of a TEAL model above its denseAbove (the dense input-major product) and
// of its prefill; the dense model's linears run AVX-512 kernels in this tier, and without these a
// TEAL model fell further behind the dense one at batch 8+.
#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/avx2/input_major_passes.h"
#include "cpu/avx512/widen.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx512 {
namespace {

using avx2::byte_at;
using avx2::NextPanel;
using avx2::prefetch_ahead;
using avx2::tail_columns;
using avx2::walk_parts;

// Up to this many token rows the few-rows kernel runs (all rows' accumulators in registers), above
// it the panel kernel (tiles of up to 12 rows, 2 x 12 accumulators in 32 zmm, were built and
// measured; only those up to 8 are kept). Measured with tooling/activation/kernel-bench.ts f16
// --batch (TinyLlama shapes, 50% union, 2 threads; time of the dense model's AVX-512 [out, in]
// kernel / ours): at 8 rows few-rows 0.86-1.10x against the
// panel's 0.83-1.04x, at 9 a tie, at 10 the panel ahead (0.86-1.10x vs 0.84-1.09x), at 12 the
// panel far ahead (0.92-1.13x vs 0.66-0.81x).
constexpr int64_t kFewRows = 8;
constexpr int64_t kPanel = 32;               // active rows streamed together
constexpr int64_t NB = 48;                   // output columns per block (three zmm)
constexpr int64_t kChunkFloats = 1 << 18;    // a thread's partial outputs per column chunk (1 MB)

thread_local Scratch t_stage;     // [kPanel][NB] widened weights of one block (64-byte aligned)

// ---- m <= kFewRows ------------------------------------------------------------------------------

// The batch-1 GEMV's walk (walk_parts: kParts streams per thread, a prefetch kFewPrefetchBytes
// ahead along it), updating all M token rows from each weight vector it loads; see the AVX2
// few_rows_inputs (activation_sparse_batch.cc) for why this beats the panel kernel while the
// product is memory-bound.
constexpr int kParts = 8;
constexpr int64_t kFewPrefetchBytes = 16384;

// out[t * n + 0:len) += sum_{r < R} cs[r * M + t] * w[off[r] + 0:len) for t < M, the M token rows'
// accumulators (two zmm each: 32 columns) in registers, the partial output read and written once
// per R list rows.
template <WDType D, int M, int R>
inline void axpy_group_tokens(float* out, int64_t n, const void* w, const int64_t* off, const float* cs, int64_t len,
                              const int64_t* far, const int64_t* far_next, int64_t dc) {
  auto step = [&](int64_t c, auto vectors) {
    constexpr int NV = decltype(vectors)::value;
    __m512 acc[M][NV];
    for (int t = 0; t < M; ++t)
      for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_loadu_ps(out + t * n + c + 16 * v);
    for (int r = 0; r < R; ++r) {
      __m512 wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = load16<D>(w, off[r] + c + 16 * v);
      for (int t = 0; t < M; ++t) {
        const __m512 s = _mm512_set1_ps(cs[r * M + t]);
        for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_fmadd_ps(s, wv[v], acc[t][v]);
      }
    }
    for (int t = 0; t < M; ++t)
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(out + t * n + c + 16 * v, acc[t][v]);
  };
  int64_t c = 0;
  for (; c + 32 <= len; c += 32) {
    prefetch_ahead<D, R>(w, c, len, far, far_next, dc);
    prefetch_ahead<D, R>(w, c + 16, len, far, far_next, dc);  // f32: the second line (f16: no-op)
    step(c, std::integral_constant<int, 2>{});
  }
  if (c + 16 <= len) {
    step(c, std::integral_constant<int, 1>{});
    c += 16;
  }
  tail_columns<D>(out, n, M, c, len, cs, R, w, off);  // the last len % 16 columns
}

// acc[m, n] += the active list entries [b, e) (xs: their thresholded activations, [count][m]).
template <WDType D, int M>
void few_rows_fixed(float* acc, int64_t n, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt) {
  walk_parts<D, kParts>(
      idx, b, e, n, 0, n, kFewPrefetchBytes,
      [&](const int64_t* at, const int64_t* off, const int64_t* far, const int64_t* far_next, int64_t dc) {
        float cs[kParts * M];
        for (int r = 0; r < kParts; ++r)
          for (int t = 0; t < M; ++t) cs[r * M + t] = xs[at[r] * M + t];
        axpy_group_tokens<D, M, kParts>(acc, n, wt, off, cs, n, far, far_next, dc);
      },
      [&](int64_t i) {
        const int64_t off = (idx ? idx[i] : i) * n;
        axpy_group_tokens<D, M, 1>(acc, n, wt, &off, xs + i * M, n, nullptr, nullptr, 0);
      });
}

template <WDType D>
void few_rows_inputs(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                     int64_t n) {
  switch (m) {
    case 1: return few_rows_fixed<D, 1>(acc, n, xs, idx, b, e, wt);
    case 2: return few_rows_fixed<D, 2>(acc, n, xs, idx, b, e, wt);
    case 3: return few_rows_fixed<D, 3>(acc, n, xs, idx, b, e, wt);
    case 4: return few_rows_fixed<D, 4>(acc, n, xs, idx, b, e, wt);
    case 5: return few_rows_fixed<D, 5>(acc, n, xs, idx, b, e, wt);
    case 6: return few_rows_fixed<D, 6>(acc, n, xs, idx, b, e, wt);
    case 7: return few_rows_fixed<D, 7>(acc, n, xs, idx, b, e, wt);
    case 8: return few_rows_fixed<D, 8>(acc, n, xs, idx, b, e, wt);
    default: std::abort();  // split_active_list sends at most kFewRows rows here
  }
}
static_assert(kFewRows <= 8, "few_rows_inputs has tiles up to 8 token rows");

// ---- m > kFewRows ---------------------------------------------------------------------------------

template <WDType D>
constexpr bool kStaged = D != WDType::F32;

// out[t * n + c + 0 : 16 NV) += sum_{p < pj} xs[p * m + t] * w_p[0 : 16 NV) for t < MT; see the
// AVX2 block_tile (S interleaved accumulator sets for tiles with too few FMA chains).
template <WDType D, int MT, int NV, int S, bool LEAD>
inline void block_tile(float* out, int64_t n, int64_t c, const float* xs, int64_t m, int64_t pj, float* stage,
                       const void* wt, const int64_t* off, NextPanel<D>* next) {
  __m512 acc[S][MT][NV];
  for (int t = 0; t < MT; ++t)
    for (int v = 0; v < NV; ++v) {
      acc[0][t][v] = _mm512_loadu_ps(out + t * n + c + 16 * v);
      for (int q = 1; q < S; ++q) acc[q][t][v] = _mm512_setzero_ps();
    }
  auto step = [&](int q, int64_t p) {
    __m512 w[NV];
    for (int v = 0; v < NV; ++v) {
      w[v] = !LEAD && kStaged<D> ? _mm512_load_ps(stage + p * NB + 16 * v) : load16<D>(wt, off[p] + c + 16 * v);
      if (LEAD && kStaged<D>) _mm512_store_ps(stage + p * NB + 16 * v, w[v]);
    }
    if (LEAD) {
      next->one();
      // The next block of this row (96 bytes in f16, 192 in f32) into L1: every line it touches.
      const char* nb = byte_at<D>(wt, off[p] + c + NB);
      constexpr int64_t kBytes = NB * bytes_per_weight<D>();
      for (int64_t at = 0; at < kBytes; at += 64) _mm_prefetch(nb + at, _MM_HINT_T0);
      _mm_prefetch(nb + kBytes - 1, _MM_HINT_T0);
    }
    const float* xp = xs + p * m;
    for (int t = 0; t < MT; ++t) {
      const __m512 xb = _mm512_set1_ps(xp[t]);
      for (int v = 0; v < NV; ++v) acc[q][t][v] = _mm512_fmadd_ps(xb, w[v], acc[q][t][v]);
    }
  };
  int64_t p = 0;
  for (; p + S <= pj; p += S)
    for (int q = 0; q < S; ++q) step(q, p + q);
  for (; p < pj; ++p) step(0, p);
  for (int t = 0; t < MT; ++t)
    for (int v = 0; v < NV; ++v) {
      __m512 sum = acc[0][t][v];
      for (int q = 1; q < S; ++q) sum = _mm512_add_ps(sum, acc[q][t][v]);
      _mm512_storeu_ps(out + t * n + c + 16 * v, sum);
    }
}

// One column block (16 NV columns at c) of all m (> kFewRows) token rows: the lead tile takes 4
// rows, then tiles of 8, then what is left (4, then 3 / 2 / 1 with interleaved sets).
template <WDType D, int NV>
inline void column_block(float* out, int64_t n, int64_t c, const float* xs, int64_t m, int64_t pj, float* stage,
                         const void* wt, const int64_t* off, NextPanel<D>* next) {
  block_tile<D, 4, NV, 1, true>(out, n, c, xs, m, pj, stage, wt, off, next);
  int64_t t0 = 4;
  for (; t0 + 8 <= m; t0 += 8) block_tile<D, 8, NV, 1, false>(out + t0 * n, n, c, xs + t0, m, pj, stage, wt, off, next);
  if (t0 + 4 <= m) {
    block_tile<D, 4, NV, 1, false>(out + t0 * n, n, c, xs + t0, m, pj, stage, wt, off, next);
    t0 += 4;
  }
  float* o = out + t0 * n;
  switch (m - t0) {
    case 3: return block_tile<D, 3, NV, 1, false>(o, n, c, xs + t0, m, pj, stage, wt, off, next);
    case 2: return block_tile<D, 2, NV, 2, false>(o, n, c, xs + t0, m, pj, stage, wt, off, next);
    case 1: return block_tile<D, 1, NV, 3, false>(o, n, c, xs + t0, m, pj, stage, wt, off, next);
    default: return;
  }
}

// acc[m, c0:c1) += active list entries [b, e) (xs: their thresholded activations, [count][m]).
template <WDType D>
void panel_columns(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                   int64_t n, int64_t c0, int64_t c1) {
  float* stage = t_stage.get(kPanel * NB);
  int64_t off[kPanel], next_off[kPanel];
  auto row_off = [&](int64_t i) { return (idx ? idx[i] : i) * n; };
  for (int64_t p0 = b; p0 < e; p0 += kPanel) {
    const int64_t pj = imin(kPanel, e - p0);
    const int64_t pn = imin(kPanel, imax(0, e - p0 - kPanel));
    for (int64_t p = 0; p < pj; ++p) off[p] = row_off(p0 + p);
    for (int64_t p = 0; p < pn; ++p) next_off[p] = row_off(p0 + kPanel + p);
    NextPanel<D> next{wt, next_off, pn, c0};
    const float* xs_panel = xs + p0 * m;
    int64_t c = c0;
    for (; c + NB <= c1; c += NB) column_block<D, 3>(acc, n, c, xs_panel, m, pj, stage, wt, off, &next);
    for (; c + 16 <= c1; c += 16) column_block<D, 1>(acc, n, c, xs_panel, m, pj, stage, wt, off, &next);
    next.rest();
    tail_columns<D>(acc, n, m, c, c1, xs_panel, pj, wt, off);  // the last n % 16 columns
  }
}

template <WDType D>
void panel_rows(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                int64_t n) {
  const int64_t chunk = imax(64, kChunkFloats / m / 16 * 16);
  for (int64_t c0 = 0; c0 < n; c0 += chunk) panel_columns<D>(acc, m, xs, idx, b, e, wt, n, c0, imin(n, c0 + chunk));
}

// The two row kernels for the shared outer loops (avx2/input_major_passes.h).
struct Avx512RowKernels {
  static constexpr int64_t kFewRows = avx512::kFewRows;
  template <WDType D>
  static void few_rows(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e,
                       const void* wt, int64_t n) {
    few_rows_inputs<D>(acc, m, xs, idx, b, e, wt, n);
  }
  template <WDType D>
  static void panels(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                     int64_t n) {
    panel_rows<D>(acc, m, xs, idx, b, e, wt, n);
  }
};

}  // namespace

void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                      float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
  avx2::sparse_matmul_dispatch<Avx512RowKernels>(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
}

}  // namespace sieve::cpu::avx512
