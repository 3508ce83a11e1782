// Streaming linear kernels: batch-1 GEMV and small-batch matmul (m <= 64), which read every
// weight exactly once, contiguously, and do all the arithmetic while it streams by.
//
// - GEMV: a tile of W rows is consumed in one pass, 16 weights per row per step, each row with
//   its own accumulators; x (k floats) stays in L1. Threads take contiguous row ranges, so each
//   streams one region of W.
// - Small m: multiplying each weight by m activation rows makes x (m x k floats) the other large
//   operand; read naively per W row it comes from L2 again and again and becomes the bottleneck.
//   So a group of 8 W rows advances through k in chunks of 256: the x chunk (m x 1 KB) and the
//   W chunk sit in L1 while register tiles of (up to 4 x rows) x (2 or 4 W rows) run over them,
//   and x is fetched from L2 only once per 8 W rows. Partial sums live on the stack between chunks.
//   x is first repacked chunk-major so its chunk is contiguous (see pack_x).
#include "cpu/avx2/linear_kernels.h"
#include "cpu/avx2/widen.h"
#include "cpu/parallel.h"

namespace sieve::cpu::avx2::detail {
namespace {

// At least this many weights per thread chunk: below it, waking a worker costs more than it saves.
constexpr int64_t kGrainWeights = 16384;

// ---- batch 1 ----------------------------------------------------------------------------------

// Rows per GEMV tile and how far ahead each row is prefetched. The DRAM stream, not arithmetic, is
// the limit, so what matters is how many cache lines are in flight: 8 concurrent row streams with
// a software prefetch 512 bytes ahead measured best (f32 and f16, 1 and 2 threads: about +5% over
// 4 rows without prefetch; 1 KB ahead or 32 weights per step were no better).
constexpr int kGemvRows = 8;
constexpr int64_t kPrefetchBytes = 512;

// TR rows of W against x in one pass, 16 weights per row per step. One accumulator per row: with
// 8 rows that is 8 independent FMA chains (enough to hide FMA latency), and the accumulators, x and
// a widened weight vector fit in the 16 ymm registers (two per row spilled, for no gain). Single
// leftover rows (TR = 1) use two accumulators so their chain is not latency-bound.
template <WDType D, int TR, int ACC = (TR == 1 ? 2 : 1)>
inline void gemv_tile(float* out, const float* x, const void* w, int64_t k, int64_t j0, const float* bias) {
  __m256 a[TR], b[TR];
  for (int r = 0; r < TR; ++r) a[r] = b[r] = _mm256_setzero_ps();
  const char* wb = static_cast<const char*>(w);
  int64_t p = 0;
  for (; p + 16 <= k; p += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + p), x1 = _mm256_loadu_ps(x + p + 8);
    for (int r = 0; r < TR; ++r) {
      _mm_prefetch(wb + ((j0 + r) * k + p) * bytes_per_weight<D>() + kPrefetchBytes, _MM_HINT_T0);
      a[r] = _mm256_fmadd_ps(x0, load8<D>(w, (j0 + r) * k + p), a[r]);
      if constexpr (ACC == 2) {
        b[r] = _mm256_fmadd_ps(x1, load8<D>(w, (j0 + r) * k + p + 8), b[r]);
      } else {
        a[r] = _mm256_fmadd_ps(x1, load8<D>(w, (j0 + r) * k + p + 8), a[r]);
      }
    }
  }
  if (p + 8 <= k) {
    const __m256 x0 = _mm256_loadu_ps(x + p);
    for (int r = 0; r < TR; ++r) a[r] = _mm256_fmadd_ps(x0, load8<D>(w, (j0 + r) * k + p), a[r]);
    p += 8;
  }
  float s[TR];
  for (int r = 0; r < TR; ++r) s[r] = hsum(ACC == 2 ? _mm256_add_ps(a[r], b[r]) : a[r]);
  for (; p < k; ++p) {
    const float xv = x[p];
    for (int r = 0; r < TR; ++r) s[r] += xv * load1<D>(w, (j0 + r) * k + p);
  }
  for (int r = 0; r < TR; ++r) out[j0 + r] = s[r] + (bias ? bias[j0 + r] : 0.0f);
}

template <WDType D>
void gemv_rows(float* out, const float* x, const void* w, int64_t k, const float* bias, int64_t j0, int64_t j1) {
  int64_t j = j0;
  for (; j + kGemvRows <= j1; j += kGemvRows) gemv_tile<D, kGemvRows>(out, x, w, k, j, bias);
  for (; j < j1; ++j) gemv_tile<D, 1>(out, x, w, k, j, bias);
}

template <WDType D>
void gemv_typed(float* out, const float* x, const void* w, int64_t n, int64_t k, const float* bias) {
  auto body = [=](int64_t b, int64_t e) { gemv_rows<D>(out, x, w, k, bias, b, e); };
  sieve::detail::parallel_for_each(n, imax(1, kGrainWeights / k), body);
}

// ---- small m ----------------------------------------------------------------------------------

// 16 rows or 128/512-deep chunks measured the same.
constexpr int64_t kGroupRows = 8;  // W rows advancing through k together
constexpr int64_t kChunk = 256;    // depth per chunk: W chunk 8 KB (f32), x chunk m KB

// acc[i * kGroupRows + r] (+)= x[i, 0:len] · w[r, 0:len] for an MT x RT register tile (x rows
// ldx apart, W rows ldw apart): MT * RT accumulators, RT widened W vectors and one x vector in
// registers. PF: prefetch each W row kPrefetchBytes ahead (the tile that first touches the chunk).
template <WDType D, int MT, int RT, bool PF>
inline void chunk_tile(__m256* acc, const float* x, int64_t ldx, const void* w, int64_t ldw, int64_t len) {
  __m256 a[MT][RT];
  for (int i = 0; i < MT; ++i)
    for (int r = 0; r < RT; ++r) a[i][r] = acc[i * kGroupRows + r];
  const char* wb = static_cast<const char*>(w);
  for (int64_t p = 0; p < len; p += 8) {
    __m256 wv[RT];
    for (int r = 0; r < RT; ++r) {
      if constexpr (PF) _mm_prefetch(wb + (r * ldw + p) * bytes_per_weight<D>() + kPrefetchBytes, _MM_HINT_T0);
      wv[r] = load8<D>(w, r * ldw + p);
    }
    for (int i = 0; i < MT; ++i) {
      __m256 xv = _mm256_loadu_ps(x + i * ldx + p);
      // Keep x in a register: otherwise GCC folds the load into every FMA that uses it (RT loads
      // instead of one), which measured ~12% slower in L1.
      asm("" : "+x"(xv));
      for (int r = 0; r < RT; ++r) a[i][r] = _mm256_fmadd_ps(xv, wv[r], a[i][r]);
    }
  }
  for (int i = 0; i < MT; ++i)
    for (int r = 0; r < RT; ++r) acc[i * kGroupRows + r] = a[i][r];
}

// The address of W element `elements` (dtype units).
template <WDType D>
inline const void* offset(const void* w, int64_t elements) {
  return static_cast<const char*>(w) + elements * bytes_per_weight<D>();
}

// MT x rows against `rows` (<= 8) W rows over one chunk, in tiles of RT W rows.
template <WDType D, int MT, bool PF>
inline void chunk_rows(__m256* acc, const float* x, int64_t ldx, const void* w, int64_t ldw, int64_t rows,
                       int64_t len) {
  constexpr int RT = MT <= 2 ? 4 : 2;  // MT * RT <= 8 accumulators + RT weight vectors
  int64_t r = 0;
  for (; r + RT <= rows; r += RT) chunk_tile<D, MT, RT, PF>(acc + r, x, ldx, offset<D>(w, r * ldw), ldw, len);
  for (; r < rows; ++r) chunk_tile<D, MT, 1, PF>(acc + r, x, ldx, offset<D>(w, r * ldw), ldw, len);
}

// All m x rows (in tiles of up to 4) against one chunk of `rows` W rows.
// The first tile reads the W chunk from memory (and prefetches ahead); later tiles find it in L1.
template <WDType D>
inline void chunk_all(__m256* acc, const float* x, int64_t ldx, int64_t m, const void* w, int64_t ldw, int64_t rows,
                      int64_t len) {
  for (int64_t i0 = 0; i0 < m; i0 += 4) {
    __m256* a = acc + i0 * kGroupRows;
    const float* xs = x + i0 * ldx;
    const int64_t mt = imin(4, m - i0);
    if (i0 == 0) {
      switch (mt) {
        case 4: chunk_rows<D, 4, true>(a, xs, ldx, w, ldw, rows, len); break;
        case 3: chunk_rows<D, 3, true>(a, xs, ldx, w, ldw, rows, len); break;
        case 2: chunk_rows<D, 2, true>(a, xs, ldx, w, ldw, rows, len); break;
        default: chunk_rows<D, 1, true>(a, xs, ldx, w, ldw, rows, len); break;
      }
    } else {
      switch (mt) {
        case 4: chunk_rows<D, 4, false>(a, xs, ldx, w, ldw, rows, len); break;
        case 3: chunk_rows<D, 3, false>(a, xs, ldx, w, ldw, rows, len); break;
        case 2: chunk_rows<D, 2, false>(a, xs, ldx, w, ldw, rows, len); break;
        default: chunk_rows<D, 1, false>(a, xs, ldx, w, ldw, rows, len); break;
      }
    }
  }
}

// x[:, 0:k8] rearranged chunk by chunk: chunk c is [m][kChunk] contiguous (the last one padded).
// In place, x's rows are k floats apart; with k a multiple of 1024 the m row pieces of a chunk and
// the 8 W row pieces would all map to the same L1 sets and evict each other.
void pack_x(float* xp, const float* x, int64_t m, int64_t k, int64_t k8) {
  for (int64_t p0 = 0; p0 < k8; p0 += kChunk) {
    const int64_t len = imin(kChunk, k8 - p0);
    for (int64_t i = 0; i < m; ++i) std::memcpy(xp + i * kChunk, x + i * k + p0, static_cast<size_t>(len) * 4);
    xp += m * kChunk;
  }
}

// All m x rows against W rows [row0, row0 + rows). Each W chunk is read from memory by the first
// x tile and from L1 by the others (re-widening f16/bf16 per tile measured faster than staging the
// chunk in an f32 buffer first).
template <WDType D>
void small_m_group(float* out, const float* x, const float* xp, const void* w, int64_t m, int64_t n, int64_t k,
                   const float* bias, int64_t row0, int64_t rows) {
  __m256 acc[kStreamMaxRows * kGroupRows];
  for (int64_t i = 0; i < m * kGroupRows; ++i) acc[i] = _mm256_setzero_ps();
  const int64_t k8 = k & ~int64_t{7};
  for (int64_t p0 = 0; p0 < k8; p0 += kChunk, xp += m * kChunk) {
    const int64_t len = imin(kChunk, k8 - p0);
    chunk_all<D>(acc, xp, kChunk, m, offset<D>(w, row0 * k + p0), k, rows, len);
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t r = 0; r < rows; ++r) {
      float s = hsum(acc[i * kGroupRows + r]);
      for (int64_t p = k8; p < k; ++p) s += x[i * k + p] * load1<D>(w, (row0 + r) * k + p);  // k % 8 tail
      out[i * n + row0 + r] = s + (bias ? bias[row0 + r] : 0.0f);
    }
  }
}

thread_local Scratch t_packed_x;

template <WDType D>
void small_m_typed(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias) {
  const int64_t k8 = k & ~int64_t{7};
  const int64_t chunks = (k8 + kChunk - 1) / kChunk;
  float* xp = t_packed_x.get(imax(1, chunks * m * kChunk));  // the caller's buffer, read by every thread
  pack_x(xp, x, m, k, k8);
  const int64_t groups = (n + kGroupRows - 1) / kGroupRows;
  auto body = [=](int64_t b, int64_t e) {
    for (int64_t g = b; g < e; ++g) {
      const int64_t row0 = g * kGroupRows;
      small_m_group<D>(out, x, xp, w, m, n, k, bias, row0, imin(kGroupRows, n - row0));
    }
  };
  sieve::detail::parallel_for_each(groups, imax(1, kGrainWeights / (kGroupRows * k)), body);
}

}  // namespace

void stream_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  switch (wdt) {
    case WDType::F32: return gemv_typed<WDType::F32>(out, x, w, n, k, bias);
    case WDType::F16: return gemv_typed<WDType::F16>(out, x, w, n, k, bias);
    case WDType::BF16: return gemv_typed<WDType::BF16>(out, x, w, n, k, bias);
  }
}

void stream_small_m(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                    const float* bias) {
  switch (wdt) {
    case WDType::F32: return small_m_typed<WDType::F32>(out, x, w, m, n, k, bias);
    case WDType::F16: return small_m_typed<WDType::F16>(out, x, w, m, n, k, bias);
    case WDType::BF16: return small_m_typed<WDType::BF16>(out, x, w, m, n, k, bias);
  }
}

}  // namespace sieve::cpu::avx2::detail
