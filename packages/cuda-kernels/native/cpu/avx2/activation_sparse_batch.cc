// AVX2 sparse_matmul_im for several token rows: the input-major product over the union of the
// rows' kept inputs (idx == nullptr: every input, the dense input-major product TealLinear falls
// back to above its denseAbove, and prefill).
//
// Both kernels below run under the outer loops of avx2/input_major_passes.h (shared with the
// AVX-512 kernels), which split the active list between the threads, each summing its slice into
// its own partial output [m, n] (added at the end), so every thread reads whole input-major rows
// front to back; splitting the output columns instead cut each row in half (2 KB segments for a
// 2048-wide f16 output) and cost 10-30% at 8-16 rows. The thresholded activations of the active
// inputs are gathered once per call, [active][rows], so they are broadcast from contiguous memory.
//
// - few_rows_inputs (m <= kFewRows): the batch-1 GEMV's memory pattern, each thread walking its
//   slice as kParts streams (walk_parts in activation_sparse_rows.h); each piece of a row is
//   loaded and widened once for all token rows, whose accumulators stay in registers.
// - panel_rows (more rows): the slice goes by in panels of kPanel rows. For each 24-column block
//   the first register tile (4 token rows x 24 columns) reads the panel rows' weights, widens
//   them and keeps a copy in an L1 staging buffer that the other tiles of the block read, so
//   f16 is widened once per call (f32 tiles read the rows in place); the 1-3 rows left over use
//   interleaved accumulator sets.
//   Memory: 32 rows at a time is what the L2 hardware streamer follows (one stream per row; 64-row
//   panels ran at 0.55-0.9x). Software prefetch of every line of the next panel was slower than
//   none (our reading: it ties up the L1 fill buffers), so only the first two lines of each
//   next-panel row are prefetched, to start its stream early, and the next block's lines are
//   prefetched into L1 while the lead tile passes (without that, 10-35% slower at 4-8 rows).
//   The output columns go in chunks sized so a thread's [m, chunk] partial stays in L2 (and more
//   than 64 rows go in passes of 64, bounding the partials' memory: input_major_passes.h).
// Measured in one process with a one-off C++ driver (f16, 2 threads, TinyLlama shapes, weights
// cold, against the dense model's [out, in] small-batch kernel over the same bytes): at 7-16 rows
// this path runs at 0.72-0.98x of it where the former column-split 6x16 tiles ran at 0.53-0.89x;
// above 16 rows, where a packed GEMM (both operands packed, 6x16 micro-kernel) used to run, at
// 0.84-1.13x against 0.40-0.60x.
// The rerunnable tables: docs/results/activation-kernels-batch.md (tooling/activation/kernel-bench.ts
// f16 --batch) and, for 32-128 rows, docs/results/activation-kernels-prefill.md.
#include <type_traits>

#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/avx2/input_major_passes.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

// Most token rows few_rows_inputs takes: its M x 2 accumulators, two weight vectors and a
// broadcast fit the 16 ymm registers up to 6 rows. Measured crossovers with the panel kernel
// (one-off C++ driver, 2 threads, cold TinyLlama-shape weights): 7 and 8 rows with one-vector
// tiles ran at 0.62x (f16) and 0.47-0.84x (f32) of the dense model's kernel, the panel kernel at
// 0.83x and 0.89x.
constexpr int64_t kFewRows = 6;
static_assert(kFewRows >= 4 && kFewRows <= 6, "column_block's first tile takes 4 token rows; few_rows_inputs' tiles fit 6");



// ---- m <= kFewRows ------------------------------------------------------------------------------

// The few-rows kernel walks a thread's slice of the active list like the batch-1 GEMV (kParts
// streams, walk_parts) and updates all m token rows from each weight vector it loads. Its tile
// (axpy_group_tokens: all m rows' accumulators in registers, the partial output read and written
// once per kParts list rows) replaced one that held 4 list rows x 2 token rows at a time and so
// read and wrote the [m, n] partial once per 4 list rows and token pair: with the time of the
// dense model's [out, in] kernel over it, one-off C++ driver, f16, 2 threads, cold weights,
// TinyLlama shapes (qkv, o, gate+up, down) at 2, 4 and 6 rows: geometric mean 0.84x -> 0.96x with
// every row kept, 0.89x -> 1.05x over the union at 50% sparsity; o at 4 rows 0.73x -> 0.98x,
// down at 6 rows 0.72x -> 0.89x.
constexpr int kParts = 8;
constexpr int64_t kFewPrefetchBytes = 16384;

// out[t * n + 0:len) += sum_{r < R} cs[r * M + t] * w[off[r] + 0:len) for t < M, all M token rows'
// accumulators in registers (M x 2 ymm for 16 columns): each weight vector is loaded and widened
// once for all of them, and the partial output is read and written once per R list rows.
// Prefetching as in axpy_rows_ahead (activation_sparse_rows.h).
template <WDType D, int M, int R>
inline void axpy_group_tokens(float* out, int64_t n, const void* w, const int64_t* off, const float* cs, int64_t len,
                              const int64_t* far, const int64_t* far_next, int64_t dc) {
  auto step = [&](int64_t c, auto vectors) {
    constexpr int NV = decltype(vectors)::value;
    __m256 acc[M][NV];
    for (int t = 0; t < M; ++t)
      for (int v = 0; v < NV; ++v) acc[t][v] = _mm256_loadu_ps(out + t * n + c + 8 * v);
    for (int r = 0; r < R; ++r) {
      __m256 wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = load8<D>(w, off[r] + c + 8 * v);
      for (int t = 0; t < M; ++t) {
        const __m256 s = _mm256_broadcast_ss(cs + r * M + t);
        for (int v = 0; v < NV; ++v) acc[t][v] = _mm256_fmadd_ps(s, wv[v], acc[t][v]);
      }
    }
    for (int t = 0; t < M; ++t)
      for (int v = 0; v < NV; ++v) _mm256_storeu_ps(out + t * n + c + 8 * v, acc[t][v]);
  };
  int64_t c = 0;
  for (; c + 16 <= len; c += 16) {
    prefetch_ahead<D, R>(w, c, len, far, far_next, dc);
    step(c, std::integral_constant<int, 2>{});
  }
  if (c + 8 <= len) {
    step(c, std::integral_constant<int, 1>{});
    c += 8;
  }
  tail_columns<D>(out, n, M, c, len, cs, R, w, off);  // the last len % 8 columns
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
    default: std::abort();  // split_active_list sends at most kFewRows rows here
  }
}

// ---- m > kFewRows ---------------------------------------------------------------------------------

constexpr int64_t kPanel = 32;             // active rows streamed together
constexpr int64_t NB = 24;                 // output columns per block (three ymm)
constexpr int64_t kChunkFloats = 1 << 18;  // a thread's partial outputs per column chunk (1 MB)

thread_local FloatScratch t_stage;  // [kPanel][NB] widened weights of one block

// Half-precision weights are widened once per block, by its lead tile, into an L1 staging buffer
// that the block's other tiles read; f32 weights need no widening, so those tiles read the block's
// rows in place (from L1, where the lead tile's prefetch brought them).
template <WDType D>
constexpr bool kStaged = D != WDType::F32;

// out[t * n + c + 0 : 8 NV) += sum_{p < pj} xs[p * m + t] * w_p[0 : 8 NV) for t < MT, w_p being
// the panel row at element offset off[p] + c (or its staged copy stage[p * NB]). The LEAD tile of
// a block also stages the block, advances the next-panel prefetch and prefetches the next block
// into L1. With few token rows there are too few accumulators to hide the FMA latency, so S
// interleaved sets of them take alternate panel rows and are summed at the end.
template <WDType D, int MT, int NV, int S, bool LEAD>
inline void block_tile(float* out, int64_t n, int64_t c, const float* xs, int64_t m, int64_t pj, float* stage,
                       const void* wt, const int64_t* off, NextPanel<D>* next) {
  __m256 acc[S][MT][NV];
  for (int t = 0; t < MT; ++t)
    for (int v = 0; v < NV; ++v) {
      acc[0][t][v] = _mm256_loadu_ps(out + t * n + c + 8 * v);
      for (int q = 1; q < S; ++q) acc[q][t][v] = _mm256_setzero_ps();
    }
  auto step = [&](int q, int64_t p) {
    __m256 w[NV];
    for (int v = 0; v < NV; ++v) {
      w[v] = !LEAD && kStaged<D> ? _mm256_load_ps(stage + p * NB + 8 * v) : load8<D>(wt, off[p] + c + 8 * v);
      if (LEAD && kStaged<D>) _mm256_store_ps(stage + p * NB + 8 * v, w[v]);
    }
    if (LEAD) {
      next->one();
      _mm_prefetch(byte_at<D>(wt, off[p] + c + NB), _MM_HINT_T0);
      _mm_prefetch(byte_at<D>(wt, off[p] + c + 2 * NB - 1), _MM_HINT_T0);
    }
    const float* xp = xs + p * m;
    for (int t = 0; t < MT; ++t) {
      const __m256 xb = _mm256_broadcast_ss(xp + t);
      for (int v = 0; v < NV; ++v) acc[q][t][v] = _mm256_fmadd_ps(xb, w[v], acc[q][t][v]);
    }
  };
  int64_t p = 0;
  for (; p + S <= pj; p += S)
    for (int q = 0; q < S; ++q) step(q, p + q);
  for (; p < pj; ++p) step(0, p);
  for (int t = 0; t < MT; ++t)
    for (int v = 0; v < NV; ++v) {
      __m256 sum = acc[0][t][v];
      for (int q = 1; q < S; ++q) sum = _mm256_add_ps(sum, acc[q][t][v]);
      _mm256_storeu_ps(out + t * n + c + 8 * v, sum);
    }
}

// One column block (8 NV columns at c) of all m (> 4) token rows: 4 rows at a time (4 x 3 ymm:
// twelve accumulators, three weight vectors, one broadcast), the first tile leading.
template <WDType D, int NV>
inline void column_block(float* out, int64_t n, int64_t c, const float* xs, int64_t m, int64_t pj, float* stage,
                         const void* wt, const int64_t* off, NextPanel<D>* next) {
  block_tile<D, 4, NV, 1, true>(out, n, c, xs, m, pj, stage, wt, off, next);
  int64_t t0 = 4;
  for (; t0 + 4 <= m; t0 += 4) block_tile<D, 4, NV, 1, false>(out + t0 * n, n, c, xs + t0, m, pj, stage, wt, off, next);
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
  float* stage = t_stage.get(kPanel * NB + 8);
  stage += (8 - (reinterpret_cast<uintptr_t>(stage) / sizeof(float)) % 8) % 8;  // 32-byte aligned
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
    for (; c + 8 <= c1; c += 8) column_block<D, 1>(acc, n, c, xs_panel, m, pj, stage, wt, off, &next);
    next.rest();
    tail_columns<D>(acc, n, m, c, c1, xs_panel, pj, wt, off);  // the last n % 8 columns
  }
}

template <WDType D>
void panel_rows(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                int64_t n) {
  const int64_t chunk = imax(64, kChunkFloats / m / 8 * 8);
  for (int64_t c0 = 0; c0 < n; c0 += chunk) panel_columns<D>(acc, m, xs, idx, b, e, wt, n, c0, imin(n, c0 + chunk));
}

// The two row kernels for the shared outer loops (avx2/input_major_passes.h).
struct Avx2RowKernels {
  static constexpr int64_t kFewRows = avx2::kFewRows;
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
  sparse_matmul_dispatch<Avx2RowKernels>(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
}

}  // namespace sieve::cpu::avx2
