// AVX2 sparse_matmul_im: the input-major product over the union of several rows' kept inputs.
//
// Up to 16 rows (batched decode) the weight stream still binds, so the kernels stream instead of
// packing. Up to 8 rows: the batch-1 GEMV's pattern, threads splitting the active rows, with each
// piece of weights held in registers across the token rows (few_rows). 9 to 16 rows: the active
// rows go by in panels of 32, each panel's rows read once, tile by tile along the thread's output
// columns (16 columns: 32 or 64 contiguous bytes per row), and each tile serves all token rows
// from L1 through a register tile of up to 6 rows x 16 columns; the next panel is prefetched, row after row, meanwhile; threads
// split the output columns (no reduction). The thresholded activations of the active inputs are
// gathered once per call, [active][rows], so they are broadcast from contiguous memory.
// More rows go to the packed GEMM (activation_sparse_gemm.cc).
#include "cpu/avx2/activation_sparse_detail.h"
#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

constexpr int64_t kPanel = 32;              // active rows streamed together
constexpr int64_t NR = 16;                  // columns per register tile
constexpr int64_t kWorkPerThread = 1 << 16; // multiply-adds per thread below which one thread runs it all

thread_local FloatScratch t_coefs;  // [count][m] thresholded activations, owned by the caller

inline float coef(float v, float threshold) {
  return threshold > 0 && !(v >= threshold || v <= -threshold) ? 0.0f : v;
}

// out[t0 + t, c : c + 8 NV] += sum_p xs[p * m + t] * wt[off[p] + c : ...] for t < MT. With few
// token rows there are too few accumulators to hide the FMA latency, so S interleaved sets of
// them take alternate panel rows and are summed at the end.
template <WDType D, int MT, int NV, int S>
inline void tile(float* out, int64_t n, int64_t c, const float* xs, int64_t m, const void* wt, const int64_t* off,
                 int64_t pj) {
  __m256 acc[S][MT][NV];
  for (int t = 0; t < MT; ++t)
    for (int v = 0; v < NV; ++v) {
      acc[0][t][v] = _mm256_loadu_ps(out + t * n + c + 8 * v);
      for (int q = 1; q < S; ++q) acc[q][t][v] = _mm256_setzero_ps();
    }
  int64_t p = 0;
  for (; p + S <= pj; p += S) {
    for (int q = 0; q < S; ++q) {
      __m256 w[NV];
      for (int v = 0; v < NV; ++v) w[v] = load8<D>(wt, off[p + q] + c + 8 * v);
      const float* xp = xs + (p + q) * m;
      for (int t = 0; t < MT; ++t) {
        const __m256 xb = _mm256_broadcast_ss(xp + t);
        for (int v = 0; v < NV; ++v) acc[q][t][v] = _mm256_fmadd_ps(xb, w[v], acc[q][t][v]);
      }
    }
  }
  for (; p < pj; ++p) {
    __m256 w[NV];
    for (int v = 0; v < NV; ++v) w[v] = load8<D>(wt, off[p] + c + 8 * v);
    const float* xp = xs + p * m;
    for (int t = 0; t < MT; ++t) {
      const __m256 xb = _mm256_broadcast_ss(xp + t);
      for (int v = 0; v < NV; ++v) acc[0][t][v] = _mm256_fmadd_ps(xb, w[v], acc[0][t][v]);
    }
  }
  for (int t = 0; t < MT; ++t)
    for (int v = 0; v < NV; ++v) {
      __m256 sum = acc[0][t][v];
      for (int q = 1; q < S; ++q) sum = _mm256_add_ps(sum, acc[q][t][v]);
      _mm256_storeu_ps(out + t * n + c + 8 * v, sum);
    }
}

// All m rows of one column tile, in groups of up to 6 rows.
template <WDType D, int NV>
inline void tile_all_rows(float* out, int64_t n, int64_t c, const float* xs, int64_t m, const void* wt,
                          const int64_t* off, int64_t pj) {
  for (int64_t t0 = 0; t0 < m; t0 += 6) {
    float* o = out + t0 * n;
    const float* x = xs + t0;
    switch (imin(6, m - t0)) {
      case 6: tile<D, 6, NV, 1>(o, n, c, x, m, wt, off, pj); break;
      case 5: tile<D, 5, NV, 1>(o, n, c, x, m, wt, off, pj); break;
      case 4: tile<D, 4, NV, 1>(o, n, c, x, m, wt, off, pj); break;
      case 3: tile<D, 3, NV, 2>(o, n, c, x, m, wt, off, pj); break;
      case 2: tile<D, 2, NV, 3>(o, n, c, x, m, wt, off, pj); break;
      default: tile<D, 1, NV, 4>(o, n, c, x, m, wt, off, pj); break;
    }
  }
}

// One thread: output columns [c0, c1) of all m rows, over every active input.
template <WDType D>
void stream_columns(float* out, int64_t m, const float* xs, const int32_t* idx, int64_t count, const void* wt,
                    int64_t n, const float* bias, int64_t c0, int64_t c1) {
  for (int64_t t = 0; t < m; ++t)
    for (int64_t c = c0; c < c1; ++c) out[t * n + c] = bias ? bias[c] : 0.0f;
  constexpr int64_t line_cols = 64 / bytes_per_weight<D>();  // columns per cache line
  const int64_t seg_lines = (c1 - c0 + line_cols - 1) / line_cols;  // lines of one row's segment
  const int64_t tiles = (c1 - c0 + NR - 1) / NR;
  int64_t off[kPanel], next[kPanel];
  for (int64_t p0 = 0; p0 < count; p0 += kPanel) {
    const int64_t pj = imin(kPanel, count - p0);
    const int64_t pn = imin(kPanel, imax(0, count - p0 - kPanel));
    for (int64_t p = 0; p < pj; ++p) off[p] = (idx ? idx[p0 + p] : p0 + p) * n;
    for (int64_t p = 0; p < pn; ++p) next[p] = (idx ? idx[p0 + kPanel + p] : p0 + kPanel + p) * n;
    // The next panel is prefetched row after row (each row's segment front to back, the order
    // DRAM streams best), spread evenly over this panel's tiles.
    const int64_t per_tile = (pn * seg_lines + tiles - 1) / tiles;
    int64_t pf_row = 0, pf_line = 0;
    const float* xs_panel = xs + p0 * m;
    int64_t c = c0;
    auto prefetch_some = [&]() {
      for (int64_t q = 0; q < per_tile && pf_row < pn; ++q) {
        _mm_prefetch(byte_at<D>(wt, next[pf_row] + c0 + pf_line * line_cols), _MM_HINT_T0);
        if (++pf_line == seg_lines) {
          pf_line = 0;
          ++pf_row;
        }
      }
    };
    for (; c + NR <= c1; c += NR) {
      prefetch_some();
      tile_all_rows<D, 2>(out, n, c, xs_panel, m, wt, off, pj);
    }
    if (c + 8 <= c1) {
      prefetch_some();
      tile_all_rows<D, 1>(out, n, c, xs_panel, m, wt, off, pj);
      c += 8;
    }
    for (; c < c1; ++c) {  // the last n % 8 columns
      for (int64_t t = 0; t < m; ++t) {
        float s = out[t * n + c];
        for (int64_t p = 0; p < pj; ++p) s += xs_panel[p * m + t] * load1<D>(wt, off[p] + c);
        out[t * n + c] = s;
      }
    }
  }
}

// Few token rows (m <= kFewRows): the batch-1 GEMV's memory pattern (activation_sparse_gemv.cc).
// Threads split the list of active rows into contiguous slices, each summed into its own partial
// output [m, n] (the caller adds them), and a thread walks its slice as kParts streams
// (walk_parts in activation_sparse_rows.h). Each 16-column piece of a row is loaded and widened once
// into registers and multiplied into every token row's outputs, kSubGroup rows at a time (the
// registers hold 2 x kSubGroup widened vectors, 4 accumulators, 2 broadcasts).
// Before, threads split the output columns and read 4 neighbouring list rows at a time:
// each row cut into per-thread pieces and 4 streams restarting at every row. A one-off C++ driver
// (one process, alternating calls, f16, 2 threads, TinyLlama shapes, weights in 2 MiB pages), time
// of the dense model's [out, in] kernel over this one (higher is better), before -> after: every row kept 0.59-0.73x -> 0.85-0.98x
// at 1-4 rows, 0.40-0.80x -> 0.67-0.89x at 8; the union at 50% sparsity 0.90-0.93x -> 1.11-1.16x
// at 2 rows (skipping pays again), 0.61-0.66x -> 0.85-1.00x at 4. At 12-16 rows it measured
// slower than stream_columns (the partial outputs outgrow L1), which keeps those. The kernel bench
// after the change: docs/results/activation-kernels-batch.md (tooling/activation/kernel-bench.ts --batch).
constexpr int64_t kFewRows = 8;
constexpr int kParts = 8;
constexpr int kSubGroup = 4;
constexpr int64_t kFewPrefetchBytes = 16384;
thread_local FloatScratch t_few_partials;  // [parts - 1][m][n], owned by the caller

// out[t * n + 0:len) += sum_r cs[r * m + t] * w[off[r] + 0:len) for t < m; prefetching as in
// axpy_rows_ahead (activation_sparse_rows.h).
template <WDType D, int R>
inline void axpy_rows_tokens(float* out, int64_t n, int64_t m, const void* w, const int64_t* off, const float* cs,
                             int64_t len, const int64_t* far, const int64_t* far_next, int64_t dc) {
  int64_t c = 0;
  for (; c + 16 <= len; c += 16) {
    if (D == WDType::F32 || (c & 31) == 0) {
      const int64_t t = c + dc;
      const int64_t* rows = t < len ? far : far_next;
      if (rows) {
        const int64_t col = t < len ? t : t - len;
        for (int r = 0; r < R; ++r) _mm_prefetch(byte_at<D>(w, rows[r] + col), _MM_HINT_T0);
      }
    }
    __m256 w0[R], w1[R];
    for (int r = 0; r < R; ++r) {
      w0[r] = load8<D>(w, off[r] + c);
      w1[r] = load8<D>(w, off[r] + c + 8);
    }
    float* o = out + c;
    int64_t t = 0;
    for (; t + 2 <= m; t += 2, o += 2 * n) {  // two token rows at a time: independent FMA chains
      __m256 a0 = _mm256_loadu_ps(o), a1 = _mm256_loadu_ps(o + 8);
      __m256 b0 = _mm256_loadu_ps(o + n), b1 = _mm256_loadu_ps(o + n + 8);
      for (int r = 0; r < R; ++r) {
        const __m256 s0 = _mm256_broadcast_ss(cs + r * m + t), s1 = _mm256_broadcast_ss(cs + r * m + t + 1);
        a0 = _mm256_fmadd_ps(s0, w0[r], a0);
        a1 = _mm256_fmadd_ps(s0, w1[r], a1);
        b0 = _mm256_fmadd_ps(s1, w0[r], b0);
        b1 = _mm256_fmadd_ps(s1, w1[r], b1);
      }
      _mm256_storeu_ps(o, a0);
      _mm256_storeu_ps(o + 8, a1);
      _mm256_storeu_ps(o + n, b0);
      _mm256_storeu_ps(o + n + 8, b1);
    }
    if (t < m) {
      __m256 a0 = _mm256_loadu_ps(o), a1 = _mm256_loadu_ps(o + 8);
      for (int r = 0; r < R; ++r) {
        const __m256 s0 = _mm256_broadcast_ss(cs + r * m + t);
        a0 = _mm256_fmadd_ps(s0, w0[r], a0);
        a1 = _mm256_fmadd_ps(s0, w1[r], a1);
      }
      _mm256_storeu_ps(o, a0);
      _mm256_storeu_ps(o + 8, a1);
    }
  }
  for (; c < len; ++c) {  // the last len % 16 columns
    for (int64_t t = 0; t < m; ++t) {
      float a = out[t * n + c];
      for (int r = 0; r < R; ++r) a += cs[r * m + t] * load1<D>(w, off[r] + c);
      out[t * n + c] = a;
    }
  }
}

// acc[m, n] += the active list entries [b, e) (xs: their thresholded activations, [count][m]).
template <WDType D>
void few_rows_inputs(float* acc, int64_t m, const float* xs, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                     int64_t n) {
  walk_parts<D, kParts>(
      idx, b, e, n, 0, n, kFewPrefetchBytes,
      [&](const int64_t* at, const int64_t* off, const int64_t* far, const int64_t* far_next, int64_t dc) {
        float cs[kParts * kFewRows];
        for (int r = 0; r < kParts; ++r)
          for (int64_t t = 0; t < m; ++t) cs[r * m + t] = xs[at[r] * m + t];
        for (int h = 0; h < kParts; h += kSubGroup) {
          axpy_rows_tokens<D, kSubGroup>(acc, n, m, wt, off + h, cs + h * m, n, far ? far + h : nullptr,
                                         far_next ? far_next + h : nullptr, dc);
        }
      },
      [&](int64_t i) {
        const int64_t off = (idx ? idx[i] : i) * n;
        axpy_rows_tokens<D, 1>(acc, n, m, wt, &off, xs + i * m, n, nullptr, nullptr, 0);
      });
}

// m <= kFewRows: threads split the active list; partial outputs summed at the end.
template <WDType D>
void few_rows(float* out, int64_t m, const float* xs, const int32_t* idx, int64_t count, const void* wt, int64_t n,
              const float* bias) {
  const int64_t parts = imax(1, imin(num_threads(), m * count * n / kWorkPerThread));
  float* partials = parts > 1 ? t_few_partials.get((parts - 1) * m * n) : nullptr;
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      float* acc = p == 0 ? out : partials + (p - 1) * m * n;
      for (int64_t t = 0; t < m; ++t)
        for (int64_t c = 0; c < n; ++c) acc[t * n + c] = p == 0 && bias ? bias[c] : 0.0f;
      few_rows_inputs<D>(acc, m, xs, idx, count * p / parts, count * (p + 1) / parts, wt, n);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
  for (int64_t p = 1; p < parts; ++p) {
    const float* src = partials + (p - 1) * m * n;
    int64_t i = 0;
    for (; i + 8 <= m * n; i += 8) _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), _mm256_loadu_ps(src + i)));
    for (; i < m * n; ++i) out[i] += src[i];
  }
}

template <WDType D>
void stream_typed(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count, float threshold,
                  const void* wt, int64_t n, const float* bias) {
  float* xs = t_coefs.get(imax(1, count * m));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j = idx ? idx[i] : i;
    for (int64_t t = 0; t < m; ++t) xs[i * m + t] = coef(x[t * k + j], threshold);
  }
  if (m <= kFewRows) return few_rows<D>(out, m, xs, idx, count, wt, n, bias);
  const int64_t tiles = (n + NR - 1) / NR;
  const int64_t parts = imax(1, imin(imin(num_threads(), tiles), m * count * n / kWorkPerThread));
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t c0 = imin(n, tiles * p / parts * NR), c1 = imin(n, tiles * (p + 1) / parts * NR);
      if (c1 <= c0) continue;
      stream_columns<D>(out, m, xs, idx, count, wt, n, bias, c0, c1);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
}

}  // namespace

void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                      float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (m > detail::kSparseStreamMaxRows) return detail::sparse_matmul_packed(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
  if (!idx) count = k;
  switch (wdt) {
    case WDType::F32: return stream_typed<WDType::F32>(out, x, m, k, idx, count, threshold, wt, n, bias);
    case WDType::F16: return stream_typed<WDType::F16>(out, x, m, k, idx, count, threshold, wt, n, bias);
    case WDType::BF16: return stream_typed<WDType::BF16>(out, x, m, k, idx, count, threshold, wt, n, bias);
  }
}

}  // namespace sieve::cpu::avx2
