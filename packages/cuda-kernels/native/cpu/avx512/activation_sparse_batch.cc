// AVX-512 sparse_matmul_im for more than kFewRows token rows: the panel kernel of
// cpu/avx2/activation_sparse_batch.cc (read its header for the memory plan: threads split the
// active list into private partial outputs; the slice goes by in panels of 32 input rows; per
// column block the lead tile reads, widens and stages the panel's weights in L1 and the other
// tiles read the stage; next-panel row starts prefetched into L2) with 16-lane vectors: blocks of
// 48 columns, and, with 32 registers, the tiles after the lead one take 8 token rows (24
// accumulators) so each staged weight vector feeds 8 FMAs per load.
//
// Why: this is the path of a TEAL model above its denseAbove (the dense input-major product) and
// of its prefill, and it is FMA-bound there like the dense small-batch kernel, which the AVX-512
// tier also runs (avx512/linear_stream.cc); without it the dense model would pull ahead of a TEAL
// model at batch 8+. Up to kFewRows rows the AVX2 kernel runs (memory-bound there).
#include "cpu/avx512/widen.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx512 {
namespace {

constexpr int64_t kFewRows = 6;              // up to this many rows: the AVX2 few-rows kernel
constexpr int64_t kMaxTokens = 64;           // token rows per pass
constexpr int64_t kWorkPerThread = 1 << 16;  // multiply-adds per thread below which one thread runs it all
constexpr int64_t kPanel = 32;               // active rows streamed together
constexpr int64_t NB = 48;                   // output columns per block (three zmm)
constexpr int64_t kChunkFloats = 1 << 18;    // a thread's partial outputs per column chunk (1 MB)

thread_local Scratch t_coefs;     // [count][m] thresholded activations, owned by the caller
thread_local Scratch t_partials;  // [parts - 1][m][n], owned by the caller
thread_local Scratch t_stage;     // [kPanel][NB] widened weights of one block (64-byte aligned)

inline float coef(float v, float threshold) {
  return threshold > 0 && !(v >= threshold || v <= -threshold) ? 0.0f : v;
}

template <WDType D>
inline const char* byte_at(const void* w, int64_t i) {
  return static_cast<const char*>(w) + i * bytes_per_weight<D>();
}

// out[t * n + c] += sum_{r < rows} cs[r * m + t] * w[off[r] + c] for c in [c0, c1): the columns
// left after the 16-wide blocks, one at a time.
template <WDType D>
inline void tail_columns(float* out, int64_t n, int64_t m, int64_t c0, int64_t c1, const float* cs, int64_t rows,
                         const void* w, const int64_t* off) {
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t t = 0; t < m; ++t) {
      float a = out[t * n + c];
      for (int64_t r = 0; r < rows; ++r) a += cs[r * m + t] * load1<D>(w, off[r] + c);
      out[t * n + c] = a;
    }
}

// The first two cache lines of each row segment of the next panel, one line per call, into L2.
template <WDType D>
struct NextPanel {
  static constexpr int64_t kLineCols = 64 / bytes_per_weight<D>();
  const void* wt;
  const int64_t* rows;
  int64_t count, c0, row = 0, line = 0;
  inline void one() {
    if (row >= count) return;
    _mm_prefetch(byte_at<D>(wt, rows[row] + c0 + line * kLineCols), _MM_HINT_T1);
    if (++line == 2) {
      line = 0;
      ++row;
    }
  }
  inline void rest() {
    while (row < count) one();
  }
};

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

// Threads split the active list; each sums its slice into its own [m, n] (the first into out, with
// the bias), and the partials are added at the end.
template <WDType D>
void split_active_list(float* out, int64_t m, const float* xs, const int32_t* idx, int64_t count, const void* wt,
                       int64_t n, const float* bias) {
  const int64_t parts = imax(1, imin(num_threads(), m * count * n / kWorkPerThread));
  float* partials = parts > 1 ? t_partials.get((parts - 1) * m * n) : nullptr;
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      float* acc = p == 0 ? out : partials + (p - 1) * m * n;
      for (int64_t t = 0; t < m; ++t)
        for (int64_t c = 0; c < n; ++c) acc[t * n + c] = p == 0 && bias ? bias[c] : 0.0f;
      panel_rows<D>(acc, m, xs, idx, count * p / parts, count * (p + 1) / parts, wt, n);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
  for (int64_t p = 1; p < parts; ++p) {
    const float* src = partials + (p - 1) * m * n;
    int64_t i = 0;
    for (; i + 16 <= m * n; i += 16)
      _mm512_storeu_ps(out + i, _mm512_add_ps(_mm512_loadu_ps(out + i), _mm512_loadu_ps(src + i)));
    for (; i < m * n; ++i) out[i] += src[i];
  }
}

template <WDType D>
void matmul_typed(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count, float threshold,
                  const void* wt, WDType wdt, int64_t n, const float* bias) {
  for (int64_t t0 = 0; t0 < m; t0 += kMaxTokens) {
    const int64_t mt = imin(kMaxTokens, m - t0);
    if (mt <= kFewRows) {  // a short last pass
      avx2::sparse_matmul_im(out + t0 * n, x + t0 * k, mt, k, idx, count, threshold, wt, wdt, n, bias);
      continue;
    }
    float* xs = t_coefs.get(imax(1, count * mt));
    for (int64_t i = 0; i < count; ++i) {
      const int64_t j = idx ? idx[i] : i;
      for (int64_t t = 0; t < mt; ++t) xs[i * mt + t] = coef(x[(t0 + t) * k + j], threshold);
    }
    split_active_list<D>(out + t0 * n, mt, xs, idx, count, wt, n, bias);
  }
}

}  // namespace

void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                      float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
  if (m <= kFewRows || n <= 0) return avx2::sparse_matmul_im(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
  if (!idx) count = k;
  switch (wdt) {
    case WDType::F32: return matmul_typed<WDType::F32>(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
    case WDType::F16: return matmul_typed<WDType::F16>(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
    case WDType::BF16: return matmul_typed<WDType::BF16>(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
  }
}

}  // namespace sieve::cpu::avx512
