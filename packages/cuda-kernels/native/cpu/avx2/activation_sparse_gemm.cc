// AVX2 activation-sparse kernels for many token rows (prefill):
//
// - sparse_matmul_packed (sparse_matmul_im for m > 16; fewer rows stream, see
//   activation_sparse_batch.cc): out[m, n] = c[m, active] . wt[active, n] over the union of the
//   rows' active inputs, c being x with each row's sub-threshold entries zeroed. With idx ==
//   nullptr it is the dense input-major GEMM TealLinear falls back to for prefill.
//   Input-major rows are exactly a GEMM's B operand in k-major order, so the structure is the
//   usual packed GEMM: kc active rows of x (thresholded while packing) and of wt (widened while
//   packing: each wt row segment read as one contiguous run) are copied into micro-panels, and a
//   register tile of up to 6 rows x 16 columns runs over them. Threads split the output columns.
// - gather_rows_matmul: out[m, count] = x[m, k] . w[idx[i], :] for selected rows of a row-major
//   w (the CATS up projection of the kept neurons): two W rows against up to four x rows per tile.
#include "cpu/avx2/activation_sparse_detail.h"
#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

constexpr int64_t MR = 6;                    // x rows per register tile
constexpr int64_t NR = 16;                   // output columns per register tile (two ymm)
constexpr int64_t kMaxNC = 1024;             // output columns per packed wt block
constexpr int64_t kPackBytes = 512 * 1024;   // packed wt block budget (L2 holds it with room to spare)
constexpr int64_t kWorkPerThread = 1 << 17;  // multiply-adds per thread below which one thread runs it all

thread_local FloatScratch t_pack_a;
thread_local FloatScratch t_pack_b;

inline float coef(float v, float threshold) {
  return threshold > 0 && !(v >= threshold || v <= -threshold) ? 0.0f : v;
}

// Ap[g][p][MR]: row group g of x at active inputs a0 .. a0 + kc, thresholded, rows past m zero.
void pack_a(float* ap, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t a0, int64_t kc,
            float threshold) {
  const int64_t groups = (m + MR - 1) / MR;
  for (int64_t g = 0; g < groups; ++g) {
    float* dst = ap + g * kc * MR;
    for (int64_t p = 0; p < kc; ++p) {
      const int64_t j = idx ? idx[a0 + p] : a0 + p;
      for (int64_t r = 0; r < MR; ++r) {
        const int64_t row = g * MR + r;
        dst[p * MR + r] = row < m ? coef(x[row * k + j], threshold) : 0.0f;
      }
    }
  }
}

// Bp[t][p][NR]: columns cb .. cb + nc of the active wt rows, widened; each row segment is read
// front to back (one contiguous run) and scattered into the column tiles, zero-padded past nc.
template <WDType D>
void pack_b(float* bp, const void* wt, int64_t n, const int32_t* idx, int64_t a0, int64_t kc, int64_t cb,
            int64_t nc) {
  const int64_t tiles = (nc + NR - 1) / NR;
  for (int64_t p = 0; p < kc; ++p) {
    const int64_t j = idx ? idx[a0 + p] : a0 + p;
    const int64_t src = j * n + cb;
    for (int64_t t = 0; t < tiles; ++t) {
      float* dst = bp + (t * kc + p) * NR;
      const int64_t c = t * NR;
      if (c + NR <= nc) {
        _mm256_store_ps(dst, load8<D>(wt, src + c));
        _mm256_store_ps(dst + 8, load8<D>(wt, src + c + 8));
      } else {
        for (int64_t q = 0; q < NR; ++q) dst[q] = c + q < nc ? load1<D>(wt, src + c + q) : 0.0f;
      }
    }
  }
}

// C[ROWS, cols] += A[ROWS, kc] . B[kc, 16] from packed panels (cols <= 16).
template <int ROWS>
inline void micro(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t cols) {
  __m256 acc0[ROWS], acc1[ROWS];
  for (int r = 0; r < ROWS; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, a += MR, b += NR) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    for (int r = 0; r < ROWS; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
    }
  }
  if (cols == NR) {
    for (int r = 0; r < ROWS; ++r) {
      float* cr = c + r * ldc;
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), acc0[r]));
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), acc1[r]));
    }
    return;
  }
  alignas(32) float tile[NR];
  for (int r = 0; r < ROWS; ++r) {
    _mm256_store_ps(tile, acc0[r]);
    _mm256_store_ps(tile + 8, acc1[r]);
    for (int64_t q = 0; q < cols; ++q) c[r * ldc + q] += tile[q];
  }
}

inline void micro_rows(int64_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t cols) {
  switch (rows) {
    case 6: return micro<6>(kc, a, b, c, ldc, cols);
    case 5: return micro<5>(kc, a, b, c, ldc, cols);
    case 4: return micro<4>(kc, a, b, c, ldc, cols);
    case 3: return micro<3>(kc, a, b, c, ldc, cols);
    case 2: return micro<2>(kc, a, b, c, ldc, cols);
    default: return micro<1>(kc, a, b, c, ldc, cols);
  }
}

// One thread's output columns [c0, c1) for all m rows.
template <WDType D>
void matmul_columns(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                    float threshold, const void* wt, int64_t n, const float* bias, int64_t c0, int64_t c1) {
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = c0; c < c1; ++c) out[r * n + c] = bias ? bias[c] : 0.0f;
  const int64_t width = c1 - c0;
  const int64_t nc_max = imin(kMaxNC, (width + NR - 1) / NR * NR);
  const int64_t kc_max = imax(16, imin(256, kPackBytes / (nc_max * 4)));
  const int64_t groups = (m + MR - 1) / MR;
  float* ap = t_pack_a.get(groups * MR * kc_max);
  float* bp = t_pack_b.get(nc_max * kc_max);
  for (int64_t a0 = 0; a0 < count; a0 += kc_max) {
    const int64_t kc = imin(kc_max, count - a0);
    pack_a(ap, x, m, k, idx, a0, kc, threshold);
    for (int64_t cb = c0; cb < c1; cb += nc_max) {
      const int64_t nc = imin(nc_max, c1 - cb);
      pack_b<D>(bp, wt, n, idx, a0, kc, cb, nc);
      for (int64_t t = 0; t * NR < nc; ++t) {
        const float* b = bp + t * kc * NR;
        for (int64_t g = 0; g < groups; ++g) {
          micro_rows(imin(MR, m - g * MR), kc, ap + g * kc * MR, b, out + g * MR * n + cb + t * NR, n,
                     imin(NR, nc - t * NR));
        }
      }
    }
  }
}

template <WDType D>
void matmul_typed(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                  float threshold, const void* wt, int64_t n, const float* bias) {
  const int64_t panels = (n + NR - 1) / NR;
  const int64_t parts = imax(1, imin(imin(num_threads(), panels), m * count * n / kWorkPerThread));
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t c0 = imin(n, panels * p / parts * NR), c1 = imin(n, panels * (p + 1) / parts * NR);
      if (c1 > c0) matmul_columns<D>(out, x, m, k, idx, count, threshold, wt, n, bias, c0, c1);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
}

// d[t * ldd + r] = x[t, 0:len) . w[off[r] + 0:len) for MT x rows and RT W rows (8 accumulators
// at most), each W vector loaded once for all MT x rows.
template <WDType D, int MT, int RT>
inline void rows_tile(float* d, int64_t ldd, const float* x, int64_t ldx, const void* w, const int64_t* off,
                      int64_t len) {
  __m256 acc[MT][RT];
  for (int t = 0; t < MT; ++t)
    for (int r = 0; r < RT; ++r) acc[t][r] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 8 <= len; c += 8) {
    __m256 wv[RT];
    for (int r = 0; r < RT; ++r) wv[r] = load8<D>(w, off[r] + c);
    for (int t = 0; t < MT; ++t) {
      const __m256 xv = _mm256_loadu_ps(x + t * ldx + c);
      for (int r = 0; r < RT; ++r) acc[t][r] = _mm256_fmadd_ps(xv, wv[r], acc[t][r]);
    }
  }
  for (int t = 0; t < MT; ++t) {
    for (int r = 0; r < RT; ++r) {
      float s = hsum(acc[t][r]);
      for (int64_t q = c; q < len; ++q) s += x[t * ldx + q] * load1<D>(w, off[r] + q);
      d[t * ldd + r] = s;
    }
  }
}

template <WDType D, int RT>
void rows_all_x(float* out, int64_t ld, const float* x, int64_t m, int64_t k, const void* w, const int64_t* off) {
  int64_t t = 0;
  for (; t + 4 <= m; t += 4) rows_tile<D, 4, RT>(out + t * ld, ld, x + t * k, k, w, off, k);
  for (; t < m; ++t) rows_tile<D, 1, RT>(out + t * ld, ld, x + t * k, k, w, off, k);
}

template <WDType D>
void gather_typed(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count, const void* w, int64_t k) {
  const int64_t parts = imax(1, imin(num_threads(), m * count * k / kWorkPerThread));
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      int64_t i = count * p / parts;
      const int64_t e = count * (p + 1) / parts;
      int64_t off[2];
      for (; i + 2 <= e; i += 2) {
        off[0] = static_cast<int64_t>(idx[i]) * k;
        off[1] = static_cast<int64_t>(idx[i + 1]) * k;
        rows_all_x<D, 2>(out + i, count, x, m, k, w, off);
      }
      for (; i < e; ++i) {
        off[0] = static_cast<int64_t>(idx[i]) * k;
        rows_all_x<D, 1>(out + i, count, x, m, k, w, off);
      }
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
}

}  // namespace

namespace detail {

void sparse_matmul_packed(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                          float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (!idx) count = k;
  switch (wdt) {
    case WDType::F32: return matmul_typed<WDType::F32>(out, x, m, k, idx, count, threshold, wt, n, bias);
    case WDType::F16: return matmul_typed<WDType::F16>(out, x, m, k, idx, count, threshold, wt, n, bias);
    case WDType::BF16: return matmul_typed<WDType::BF16>(out, x, m, k, idx, count, threshold, wt, n, bias);
  }
}

}  // namespace detail

void gather_rows_matmul(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count, const void* w,
                        WDType wdt, int64_t k) {
  if (m <= 0 || count <= 0) return;
  switch (wdt) {
    case WDType::F32: return gather_typed<WDType::F32>(out, x, m, idx, count, w, k);
    case WDType::F16: return gather_typed<WDType::F16>(out, x, m, idx, count, w, k);
    case WDType::BF16: return gather_typed<WDType::BF16>(out, x, m, idx, count, w, k);
  }
}

}  // namespace sieve::cpu::avx2
