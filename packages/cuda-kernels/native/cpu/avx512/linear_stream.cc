// AVX-512 streaming linear kernels: batch-1 GEMV and small-batch matmul (m <= 64), the same
// memory plan as cpu/avx2/linear_stream.cc (read that file's header for why each piece is there:
// 8 sequential row streams per thread for the GEMV; groups of 12 strided W rows advancing through
// k in chunks, x repacked chunk-major, f16/bf16 chunks widened once into an L1 stage for m >= 8)
// with 16-lane vectors and 32 registers (8 x rows x 3 W rows = 24 accumulators per tile).
//
// Why a second tier: at batch 8-64 the AVX2 kernel is bound by FMA throughput, not by memory
// (m = 16 f16, 2 threads: ~180 GFLOP/s while the weights stream at a third of the read
// bandwidth). With two 512-bit FMA ports the same core does 1.85x the FMAs (register-only probe:
// 131 -> 243 GFLOP/s per core, 2-core Xeon VM). Measured (packages/core/bench/kernels.bench.ts,
// 64 MB cold weights, 2 threads, both tiers in one run): m = 8 / 16 / 32 / 64 f16 160 / 188 /
// 201 / 197 -> 211 / 259 / 273 / 257 GFLOP/s (1.30-1.38x); m = 1-4 is a memory stream either way
// (within 4%). Still only ~55% of the 16-lane peak: by a cpu-clock profile of the 4 x 6 version
// (1 thread, m = 16) the tiles that read the staged chunk from L1 ran at ~75% of peak and the
// first tile, which widens and stages the chunk as it arrives, at ~40%.
//
// Summation order: lane l of a row's accumulator sums p = l, l + 16, l + 32, ... in order, then
// hsum16, the k % 16 tail and the bias, in both kernels, so a row of the small-m product equals
// the GEMV of that row bit for bit, whatever the thread count (tested, as for AVX2). It differs
// from the AVX2 order, so switching ISA may change the last bits of an output.
#include "cpu/avx2/small_batch_walk.h"
#include "cpu/avx2/stream_rows.h"
#include "cpu/avx512/linear_kernels.h"
#include "cpu/avx512/widen.h"
#include "cpu/parallel.h"

namespace sieve::cpu::avx512::detail {
namespace {

using avx2::pack_x_chunks;
using avx2::walk_row_streams8;
using avx2::walk_small_batch_groups;

constexpr int64_t kGrainWeights = 16384;  // weights per thread chunk below which a worker costs more
constexpr int kLanes = 16;

// ---- batch 1 ----------------------------------------------------------------------------------

constexpr int kGemvStreams = 8;
// Each stream prefetches this far ahead (into L1). 1 KB rather than the AVX2 kernel's 512 B:
// TinyLlama-1.1B batch-1 decode (`sieve bench`, 2 threads, two runs each) went from 89-91% to
// 104% of the read roofline in f32 (8 KB rows) and stayed at 102% in f16; 2 KB gave 102-103% /
// 99-101%.
constexpr int64_t kPrefetchBytes = 1024;

// TR rows of W (row r is j0 + r * stride) against x, 64 bytes of each row per step.
template <WDType D, int TR>
inline void gemv_rows(float* out, const float* x, const void* w, int64_t k, int64_t j0, int64_t stride,
                      const float* bias) {
  constexpr int64_t kLine = 64 / bytes_per_weight<D>();  // weights per cache line: 16 or 32
  __m512 a[TR];
  for (int r = 0; r < TR; ++r) a[r] = _mm512_setzero_ps();
  const char* wb = static_cast<const char*>(w);
  int64_t p = 0;
  for (; p + kLine <= k; p += kLine) {
    for (int r = 0; r < TR; ++r) {
      _mm_prefetch(wb + ((j0 + r * stride) * k + p) * bytes_per_weight<D>() + kPrefetchBytes, _MM_HINT_T0);
    }
    for (int64_t s = 0; s < kLine; s += kLanes) {
      const __m512 xv = _mm512_loadu_ps(x + p + s);
      for (int r = 0; r < TR; ++r) a[r] = _mm512_fmadd_ps(xv, load16<D>(w, (j0 + r * stride) * k + p + s), a[r]);
    }
  }
  for (; p + kLanes <= k; p += kLanes) {
    const __m512 xv = _mm512_loadu_ps(x + p);
    for (int r = 0; r < TR; ++r) a[r] = _mm512_fmadd_ps(xv, load16<D>(w, (j0 + r * stride) * k + p), a[r]);
  }
  for (int r = 0; r < TR; ++r) {
    const int64_t j = j0 + r * stride;
    float s = hsum16(a[r]);
    for (int64_t q = p; q < k; ++q) s += x[q] * load1<D>(w, j * k + q);
    out[j] = s + (bias ? bias[j] : 0.0f);
  }
}

// Rows [j0, j1) as kGemvStreams sequential streams, then the leftover rows (walk_row_streams8).
template <WDType D>
void gemv_range(float* out, const float* x, const void* w, int64_t k, const float* bias, int64_t j0, int64_t j1) {
  static_assert(kGemvStreams == 8, "walk_row_streams8 walks 8 streams");
  walk_row_streams8(j0, j1, [&](auto tr, int64_t r0, int64_t stride) {
    gemv_rows<D, decltype(tr)::value>(out, x, w, k, r0, stride, bias);
  });
}

template <WDType D>
void gemv_typed(float* out, const float* x, const void* w, int64_t n, int64_t k, const float* bias) {
  auto body = [=](int64_t b, int64_t e) { gemv_range<D>(out, x, w, k, bias, b, e); };
  sieve::detail::parallel_for_each(n, imax(1, kGrainWeights / k), body);
}

// ---- small m ----------------------------------------------------------------------------------

constexpr int64_t kGroupRows = 12;  // W rows advancing through k together
// Depth per chunk: 256 against 128 (AVX2's) gave m = 32 / 64 1.27 / 1.21x -> 1.31 / 1.38x of the
// AVX2 kernel and the same at m = 8 / 16 (f16, cold, 2 threads, one-off harness).
constexpr int64_t kChunk = 256;
constexpr int64_t kStageMinM = 8;
// x rows per register tile. 8 x 3 W rows (24 accumulators; 4 x 6 for 3-4 rows) against the 4 x 6
// of the first version: each widened W vector feeds 8 FMAs, so the first tile's vcvtph2ps (which
// shares the FMA ports) costs half as much per FMA. kernels.bench, f16, cold, 2 threads, m = 8 /
// 16 / 32 / 64: 188 / 237 / 260 / 252 -> 211 / 259 / 273 / 257 GFLOP/s; f32 within noise.
constexpr int64_t kTileX = 8;   // stage widened f16/bf16 W chunks from this m on
// How far ahead the first x tile prefetches each W row, into L2: two 256-deep chunks of f16.
// Against 512 B into L1 (the AVX2 choice), m = 16 f16 with cold weights: 1 thread 126 -> 144
// GFLOP/s; 2 threads within noise (241 -> 243; m = 32 262 -> 272). 2 KB ahead was no better.
constexpr int64_t kSmallPrefetchBytes = 1024;

// acc[i * kGroupRows + r] (+)= x[i, 0:len] · w[r, 0:len] for an MT x RT register tile; see
// cpu/avx2/linear_stream.cc chunk_tile (same contract, 16 lanes).
template <WDType D, int MT, int RT, bool PF>
inline void chunk_tile(__m512* acc, const float* x, int64_t ldx, const void* w, int64_t ldw, int64_t len,
                       float* stage) {
  __m512 a[MT][RT];
  for (int i = 0; i < MT; ++i)
    for (int r = 0; r < RT; ++r) a[i][r] = acc[i * kGroupRows + r];
  const char* wb = static_cast<const char*>(w);
  for (int64_t p = 0; p < len; p += kLanes) {
    __m512 wv[RT];
    for (int r = 0; r < RT; ++r) {
      // One prefetch per 64-byte line: every step for f32, every other step for f16/bf16.
      if constexpr (PF) {
        if (D == WDType::F32 || (p & 31) == 0) {
          _mm_prefetch(wb + (r * ldw + p) * bytes_per_weight<D>() + kSmallPrefetchBytes, _MM_HINT_T1);
        }
      }
      wv[r] = load16<D>(w, r * ldw + p);
      if constexpr (PF && D != WDType::F32) {
        if (stage) _mm512_store_ps(stage + r * kChunk + p, wv[r]);
      }
    }
    for (int i = 0; i < MT; ++i) {
      __m512 xv = _mm512_loadu_ps(x + i * ldx + p);
      asm("" : "+v"(xv));  // one x load per row, not one per FMA (see the AVX2 kernel)
      for (int r = 0; r < RT; ++r) a[i][r] = _mm512_fmadd_ps(xv, wv[r], a[i][r]);
    }
  }
  for (int i = 0; i < MT; ++i)
    for (int r = 0; r < RT; ++r) acc[i * kGroupRows + r] = a[i][r];
}

template <WDType D>
inline const void* offset(const void* w, int64_t elements) {
  return static_cast<const char*>(w) + elements * bytes_per_weight<D>();
}

// W rows per tile for MT x rows: MT * RT accumulators + RT W vectors + 1 x vector <= 32 zmm, and
// at least 8 independent FMA chains (2 ports x 4 cycles).
template <int MT>
constexpr int tile_rows() { return MT >= 5 ? 3 : MT >= 2 ? 6 : 12; }

template <WDType D, int MT, bool PF>
inline void chunk_rows(__m512* acc, const float* x, int64_t ldx, const void* w, int64_t ldw, int64_t rows,
                       int64_t len, float* stage = nullptr) {
  constexpr int RT = tile_rows<MT>();
  int64_t r = 0;
  for (; r + RT <= rows; r += RT)
    chunk_tile<D, MT, RT, PF>(acc + r, x, ldx, offset<D>(w, r * ldw), ldw, len, stage ? stage + r * kChunk : nullptr);
  for (int t = 1; t < RT && r < rows; ++t, ++r)
    chunk_tile<D, MT, 1, PF>(acc + r, x, ldx, offset<D>(w, r * ldw), ldw, len, stage ? stage + r * kChunk : nullptr);
}

// MT (runtime, 1..kTileX) x rows against one chunk of `rows` W rows: chunk_rows<D, MT, PF>.
template <WDType D, bool PF>
inline void chunk_rows_mt(int64_t mt, __m512* a, const float* xs, int64_t ldx, const void* w, int64_t ldw,
                          int64_t rows, int64_t len, float* stage) {
  switch (mt) {
    case 8: return chunk_rows<D, 8, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    case 7: return chunk_rows<D, 7, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    case 6: return chunk_rows<D, 6, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    case 5: return chunk_rows<D, 5, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    case 4: return chunk_rows<D, 4, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    case 3: return chunk_rows<D, 3, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    case 2: return chunk_rows<D, 2, PF>(a, xs, ldx, w, ldw, rows, len, stage);
    default: return chunk_rows<D, 1, PF>(a, xs, ldx, w, ldw, rows, len, stage);
  }
}

// All m x rows (in tiles of up to kTileX) against one chunk of `rows` W rows; the first tile reads
// (and, with `stage`, widens and stores) the W chunk, the later ones read it from L1.
template <WDType D>
inline void chunk_all(__m512* acc, const float* x, int64_t ldx, int64_t m, const void* w, int64_t ldw, int64_t rows,
                      int64_t len, float* stage = nullptr) {
  for (int64_t i0 = 0; i0 < m; i0 += kTileX) {
    __m512* a = acc + i0 * kGroupRows;
    const float* xs = x + i0 * ldx;
    const int64_t mt = imin(kTileX, m - i0);
    if (i0 == 0) {
      chunk_rows_mt<D, true>(mt, a, xs, ldx, w, ldw, rows, len, stage);
    } else if (stage) {
      chunk_rows_mt<WDType::F32, false>(mt, a, xs, ldx, stage, kChunk, rows, len, nullptr);
    } else {
      chunk_rows_mt<D, false>(mt, a, xs, ldx, w, ldw, rows, len, nullptr);
    }
  }
}

template <WDType D>
void small_m_group(float* out, const float* x, const float* xp, const void* w, int64_t m, int64_t n, int64_t k,
                   const float* bias, int64_t row0, int64_t stride, int64_t rows) {
  __m512 acc[kStreamMaxRows * kGroupRows];
  for (int64_t i = 0; i < m * kGroupRows; ++i) acc[i] = _mm512_setzero_ps();
  const int64_t k16 = k & ~int64_t{kLanes - 1};
  if (D != WDType::F32 && m >= kStageMinM) {
    alignas(64) float stage[kGroupRows * kChunk];
    for (int64_t p0 = 0; p0 < k16; p0 += kChunk, xp += m * kChunk) {
      const int64_t len = imin(kChunk, k16 - p0);
      chunk_all<D>(acc, xp, kChunk, m, offset<D>(w, row0 * k + p0), stride * k, rows, len, stage);
    }
  } else {
    for (int64_t p0 = 0; p0 < k16; p0 += kChunk, xp += m * kChunk) {
      const int64_t len = imin(kChunk, k16 - p0);
      chunk_all<D>(acc, xp, kChunk, m, offset<D>(w, row0 * k + p0), stride * k, rows, len);
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t j = row0 + r * stride;
      float s = hsum16(acc[i * kGroupRows + r]);
      for (int64_t p = k16; p < k; ++p) s += x[i * k + p] * load1<D>(w, j * k + p);  // k % 16 tail
      out[i * n + j] = s + (bias ? bias[j] : 0.0f);
    }
  }
}

template <WDType D>
void small_m_typed(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias) {
  const int64_t k16 = k & ~int64_t{kLanes - 1};
  const float* xp = pack_x_chunks(x, m, k, k16, kChunk);
  walk_small_batch_groups(n, k, kGroupRows, kGrainWeights, [&](int64_t row0, int64_t stride, int64_t rows) {
    small_m_group<D>(out, x, xp, w, m, n, k, bias, row0, stride, rows);
  });
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

}  // namespace sieve::cpu::avx512::detail
