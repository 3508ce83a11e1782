// AVX2 sparse_matmul_im: the input-major product over the union of several rows' kept inputs.
//
// Up to 16 rows (batched decode) the weight stream still binds, so the kernels stream instead of
// packing. Up to 4 rows: the batch-1 GEMV's pattern (few_rows_columns; measured 1.6x the tile
// kernel's speed at 1-2 rows). 5 to 16 rows: the active rows go by in panels of 32; each panel's
// rows are read once, tile by tile along the thread's output columns (16 columns: 32 or 64
// contiguous bytes per row), and each tile serves all token rows from L1 through a register tile
// of up to 6 rows x 16 columns; the next panel is prefetched, row after row, meanwhile. The
// thresholded activations of the active inputs are gathered once per call, [active][rows], so
// they are broadcast from contiguous memory. Threads split the output columns (no reduction).
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

// Few token rows (m <= kFewRows): the batch-1 GEMV's memory pattern, groups of 8 weight rows
// advancing together through the thread's columns in L1-sized chunks, each chunk used by every
// token row in turn (axpy_rows into that row's output). The rows the group after next will read
// are prefetched by the first token row's pass, exactly as in the GEMV.
constexpr int64_t kFewRows = 4;
constexpr int kFewGroup = 8;
constexpr int64_t kFewChunk = 512;  // columns per chunk: 8 rows x 1-2 KB plus m x 2 KB of outputs in L1

template <WDType D>
void few_rows_columns(float* out, int64_t m, const float* xs, const int32_t* idx, int64_t count, const void* wt,
                      int64_t n, const float* bias, int64_t c0, int64_t c1) {
  for (int64_t t = 0; t < m; ++t)
    for (int64_t c = c0; c < c1; ++c) out[t * n + c] = bias ? bias[c] : 0.0f;
  const int64_t group_bytes = kFewGroup * (c1 - c0) * bytes_per_weight<D>();
  const int64_t ahead = imax(1, imin(16, (8192 + group_bytes - 1) / imax(1, group_bytes))) * kFewGroup;
  int64_t row[kFewGroup], pf_row[kFewGroup] = {}, off[kFewGroup], pf[kFewGroup];
  float s[kFewGroup];
  int64_t i = 0;
  for (; i + kFewGroup <= count; i += kFewGroup) {
    const bool prefetch = i + ahead + kFewGroup <= count;
    for (int r = 0; r < kFewGroup; ++r) {
      row[r] = (idx ? idx[i + r] : i + r) * n;
      if (prefetch) pf_row[r] = (idx ? idx[i + ahead + r] : i + ahead + r) * n;
    }
    for (int64_t cb = c0; cb < c1; cb += kFewChunk) {
      const int64_t len = imin(kFewChunk, c1 - cb);
      for (int r = 0; r < kFewGroup; ++r) {
        off[r] = row[r] + cb;
        pf[r] = pf_row[r] + cb;
      }
      for (int64_t t = 0; t < m; ++t) {
        for (int r = 0; r < kFewGroup; ++r) s[r] = xs[(i + r) * m + t];
        axpy_rows<D, kFewGroup>(out + t * n + cb, wt, off, s, len, prefetch && t == 0 ? pf : nullptr);
      }
    }
  }
  for (; i < count; ++i) {
    off[0] = (idx ? idx[i] : i) * n + c0;
    for (int64_t t = 0; t < m; ++t) axpy_rows<D, 1>(out + t * n + c0, wt, off, xs + i * m + t, c1 - c0);
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
  const int64_t tiles = (n + NR - 1) / NR;
  const int64_t parts = imax(1, imin(imin(num_threads(), tiles), m * count * n / kWorkPerThread));
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t c0 = imin(n, tiles * p / parts * NR), c1 = imin(n, tiles * (p + 1) / parts * NR);
      if (c1 <= c0) continue;
      if (m <= kFewRows) {
        few_rows_columns<D>(out, m, xs, idx, count, wt, n, bias, c0, c1);
      } else {
        stream_columns<D>(out, m, xs, idx, count, wt, n, bias, c0, c1);
      }
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
