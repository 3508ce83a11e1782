// Streaming linear kernels: batch-1 GEMV and small-batch matmul (m <= 64), which read every
// weight exactly once, contiguously, and do all the arithmetic while it streams by.
//
// - GEMV: each thread takes a contiguous range of W rows, cut into 8 contiguous streams; a pass
//   takes the next row of every stream (8 accumulators), so every stream is read sequentially
//   across row boundaries; x (k floats) stays in L1.
// - Small m: multiplying each weight by m activation rows makes x (m x k floats) the other large
//   operand; read naively per W row it comes from L2 again and again and becomes the bottleneck.
//   So a group of 12 W rows (strided like the GEMV's streams) advances through k in chunks of 128:
//   the x chunk (m x 512 B) and the W chunk sit in L1 while register tiles of (up to 4 x rows) x
//   (3, 4 or 6 W rows) run over them, and x is fetched from L2 only once per 12 W rows. Partial
//   sums live on the stack between chunks. x is first repacked chunk-major so its chunk is
//   contiguous (see pack_x_chunks). For f16/bf16 at m >= 8 the W chunk is widened once, by the first x
//   tile, into an f32 L1 buffer that the other x tiles read.
#include "cpu/avx2/linear_kernels.h"
#include "cpu/avx2/small_batch_walk.h"
#include "cpu/avx2/stream_rows.h"
#include "cpu/avx2/widen.h"
#include "cpu/parallel.h"

namespace sieve::cpu::avx2::detail {
namespace {

// At least this many weights per thread chunk: below it, waking a worker costs more than it saves.
constexpr int64_t kGrainWeights = 16384;

// ---- batch 1 ----------------------------------------------------------------------------------

// A thread's rows are cut into this many contiguous parts ("streams"), and each pass of the kernel
// takes the next row of every part: 8 rows, 8 independent FMA chains (enough to hide FMA latency;
// the accumulators, x and a widened weight vector fit the 16 ymm registers), and every chain reads
// its part of W strictly sequentially, row after row. The former layout (8 adjacent rows per tile)
// restarts 8 interleaved short streams every tile; with decode's short rows (768 columns = 1.5 KB
// in f16) neither the hardware prefetcher nor a per-row software prefetch kept DRAM busy across
// those restarts: it streamed at 63-82% of the read bandwidth in f16, 83-88% in f32, against
// 94-100% for the sequential streams (768x768 ... 32000x768, 2-core Xeon VM, 1 and 2 threads,
// against a read probe over the same weights in the same run; build-to-build comparison:
// packages/core/bench/gemv-shapes.bench.ts).
constexpr int kGemvStreams = 8;
// Each stream prefetches this far ahead (one prefetch per 64-byte line): sequential, so it runs on
// into the stream's next row. 512 bytes into L1 and 1 KB into L2 measured the same; the software
// prefetch adds ~10% in f16 over the hardware prefetcher alone, ~0 in f32.
constexpr int64_t kPrefetchBytes = 512;

// TR rows of W (row r is j0 + r * stride) against x, 64 bytes of each row per step. One accumulator
// per row whose lane l sums p = l, l + 8, l + 16, ... in order, then hsum, the k % 8 tail and the
// bias: exactly the order of the small-m kernel below, so a row of matmul(m <= 64) equals gemv of
// that row bit for bit, whatever the thread count (tested).
template <WDType D, int TR>
inline void gemv_rows(float* out, const float* x, const void* w, int64_t k, int64_t j0, int64_t stride,
                      const float* bias) {
  constexpr int64_t kLine = 64 / bytes_per_weight<D>();  // weights per cache line
  __m256 a[TR];
  for (int r = 0; r < TR; ++r) a[r] = _mm256_setzero_ps();
  const char* wb = static_cast<const char*>(w);
  int64_t p = 0;
  for (; p + kLine <= k; p += kLine) {
    for (int r = 0; r < TR; ++r) {
      _mm_prefetch(wb + ((j0 + r * stride) * k + p) * bytes_per_weight<D>() + kPrefetchBytes, _MM_HINT_T0);
    }
    for (int64_t s = 0; s < kLine; s += 8) {
      const __m256 xv = _mm256_loadu_ps(x + p + s);
      for (int r = 0; r < TR; ++r) a[r] = _mm256_fmadd_ps(xv, load8<D>(w, (j0 + r * stride) * k + p + s), a[r]);
    }
  }
  for (; p + 8 <= k; p += 8) {
    const __m256 xv = _mm256_loadu_ps(x + p);
    for (int r = 0; r < TR; ++r) a[r] = _mm256_fmadd_ps(xv, load8<D>(w, (j0 + r * stride) * k + p), a[r]);
  }
  for (int r = 0; r < TR; ++r) {
    const int64_t j = j0 + r * stride;
    float s = hsum(a[r]);
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

// Measured on the 2-core Xeon VM (Golden Cove class: 48 KB L1d, 2 MB L2; FMA peak 126 GFLOP/s per
// core by a 12-chain probe), synth:llama-110m decode shapes, against the former kernel
// (8-row groups, 4 x 2 register tiles, 256-deep chunks, f16 re-widened per x tile) in the same
// process, one decode step's linears + LM head at m = 8/16/32/64: 1 thread f16 +9/+10/+9/+8%,
// f32 +11/+14/+6/+7%; 2 threads f16 +12/+13/+6/+3% (m = 16: 136 -> 154 GFLOP/s), f32
// +14/+15/+10/+5% (load ~1-1.5; report on issue #4). sieve bench, synth:llama-110m f16,
// concurrency 16 vs 1: 3.74-3.96x -> 4.12-4.24x. What each piece gave:
// - 12-row groups and tiles of up to 12 accumulators (4 x rows x 3 W rows; see tile_rows): 12
//   independent FMA chains instead of 8 (2 FMA ports x 4 cycles latency need 8 in flight, so 8 left
//   no slack): +3..+10%.
// - 128-deep chunks instead of 256: +3..+5% at m <= 16 (512: -2..+8%, worse at small m).
// - f16/bf16, m >= kStageMinM: the first x tile stores the widened W chunk in an f32 L1 buffer and
//   the later x tiles read it (one vcvtph2ps per weight instead of one per weight per x tile):
//   +3% (m = 16) to +10% (m = 64). A separate widening pass before the tiles (not fused into the
//   first one) was 26% slower at m = 8: it does not overlap the W stream with FMAs.
// Tried, no gain: prefetching W 1 KB / 2 KB ahead or into L2 (T1) instead of 512 B into L1; a
// vectorised 8-at-once hsum of the accumulators (epilogue is not the cost).
// Even hot in L2 (768x768 f16, m = 16, 1 thread) this kernel reaches ~88 GFLOP/s = 70% of peak.
constexpr int64_t kGroupRows = 12;  // W rows advancing through k together
constexpr int64_t kChunk = 128;     // depth per chunk: W chunk 6 KB (f32), x chunk m/2 KB
constexpr int64_t kStageMinM = 8;   // stage widened f16/bf16 W chunks from this m on
// How far ahead the first x tile prefetches each W row (into L1).
constexpr int64_t kSmallPrefetchBytes = 512;

// acc[i * kGroupRows + r] (+)= x[i, 0:len] · w[r, 0:len] for an MT x RT register tile (x rows
// ldx apart, W rows ldw apart): MT * RT accumulators, RT widened W vectors and one x vector in
// registers. PF: prefetch each W row kSmallPrefetchBytes ahead (the tile that first touches the
// chunk), and store the widened W vectors in `stage` when given (f16/bf16).
template <WDType D, int MT, int RT, bool PF>
inline void chunk_tile(__m256* acc, const float* x, int64_t ldx, const void* w, int64_t ldw, int64_t len,
                       float* stage) {
  __m256 a[MT][RT];
  for (int i = 0; i < MT; ++i)
    for (int r = 0; r < RT; ++r) a[i][r] = acc[i * kGroupRows + r];
  const char* wb = static_cast<const char*>(w);
  for (int64_t p = 0; p < len; p += 8) {
    __m256 wv[RT];
    for (int r = 0; r < RT; ++r) {
      if constexpr (PF) _mm_prefetch(wb + (r * ldw + p) * bytes_per_weight<D>() + kSmallPrefetchBytes, _MM_HINT_T0);
      wv[r] = load8<D>(w, r * ldw + p);
      if constexpr (PF && D != WDType::F32) {
        if (stage) _mm256_store_ps(stage + r * kChunk + p, wv[r]);
      }
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

// W rows per tile for MT x rows: at most 12 accumulators + RT W vectors + 1 x vector <= 16 ymm.
template <int MT>
constexpr int tile_rows() { return MT >= 3 ? 3 : MT == 2 ? 4 : 6; }

// MT x rows against `rows` (<= kGroupRows) W rows over one chunk, in tiles of RT W rows.
template <WDType D, int MT, bool PF>
inline void chunk_rows(__m256* acc, const float* x, int64_t ldx, const void* w, int64_t ldw, int64_t rows,
                       int64_t len, float* stage = nullptr) {
  constexpr int RT = tile_rows<MT>();
  int64_t r = 0;
  for (; r + RT <= rows; r += RT)
    chunk_tile<D, MT, RT, PF>(acc + r, x, ldx, offset<D>(w, r * ldw), ldw, len, stage ? stage + r * kChunk : nullptr);
  // < RT rows are left; the explicit bound keeps GCC from warning about a stage-buffer overrun.
  for (int t = 1; t < RT && r < rows; ++t, ++r)
    chunk_tile<D, MT, 1, PF>(acc + r, x, ldx, offset<D>(w, r * ldw), ldw, len, stage ? stage + r * kChunk : nullptr);
}

// All m x rows (in tiles of up to 4) against one chunk of `rows` W rows.
// The first tile reads the W chunk from memory (and prefetches ahead); later tiles find it in L1.
// With `stage` (f16/bf16 only), the first tile also stores the widened W chunk there and the later
// tiles read that f32 copy instead of widening again.
template <WDType D>
inline void chunk_all(__m256* acc, const float* x, int64_t ldx, int64_t m, const void* w, int64_t ldw, int64_t rows,
                      int64_t len, float* stage = nullptr) {
  for (int64_t i0 = 0; i0 < m; i0 += 4) {
    __m256* a = acc + i0 * kGroupRows;
    const float* xs = x + i0 * ldx;
    const int64_t mt = imin(4, m - i0);
    if (i0 == 0) {
      switch (mt) {
        case 4: chunk_rows<D, 4, true>(a, xs, ldx, w, ldw, rows, len, stage); break;
        case 3: chunk_rows<D, 3, true>(a, xs, ldx, w, ldw, rows, len, stage); break;
        case 2: chunk_rows<D, 2, true>(a, xs, ldx, w, ldw, rows, len, stage); break;
        default: chunk_rows<D, 1, true>(a, xs, ldx, w, ldw, rows, len, stage); break;
      }
    } else if (stage) {
      switch (mt) {
        case 4: chunk_rows<WDType::F32, 4, false>(a, xs, ldx, stage, kChunk, rows, len); break;
        case 3: chunk_rows<WDType::F32, 3, false>(a, xs, ldx, stage, kChunk, rows, len); break;
        case 2: chunk_rows<WDType::F32, 2, false>(a, xs, ldx, stage, kChunk, rows, len); break;
        default: chunk_rows<WDType::F32, 1, false>(a, xs, ldx, stage, kChunk, rows, len); break;
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

// All m x rows against the W rows row0 + r * stride (r < rows). Each W chunk is read from memory
// by the first x tile and from L1 by the others. f16/bf16 with m >= kStageMinM: the first x tile
// also stores the widened chunk in `stage` and the others read that (faster from m = 8 on; below
// it there are at most 2 x tiles, and a separate widening pass was slower, see kStageMinM).
template <WDType D>
void small_m_group(float* out, const float* x, const float* xp, const void* w, int64_t m, int64_t n, int64_t k,
                   const float* bias, int64_t row0, int64_t stride, int64_t rows) {
  __m256 acc[kStreamMaxRows * kGroupRows];
  for (int64_t i = 0; i < m * kGroupRows; ++i) acc[i] = _mm256_setzero_ps();
  const int64_t k8 = k & ~int64_t{7};
  if (D != WDType::F32 && m >= kStageMinM) {
    alignas(64) float stage[kGroupRows * kChunk];
    for (int64_t p0 = 0; p0 < k8; p0 += kChunk, xp += m * kChunk) {
      const int64_t len = imin(kChunk, k8 - p0);
      chunk_all<D>(acc, xp, kChunk, m, offset<D>(w, row0 * k + p0), stride * k, rows, len, stage);
    }
  } else {
    for (int64_t p0 = 0; p0 < k8; p0 += kChunk, xp += m * kChunk) {
      const int64_t len = imin(kChunk, k8 - p0);
      chunk_all<D>(acc, xp, kChunk, m, offset<D>(w, row0 * k + p0), stride * k, rows, len);
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t j = row0 + r * stride;
      float s = hsum(acc[i * kGroupRows + r]);
      for (int64_t p = k8; p < k; ++p) s += x[i * k + p] * load1<D>(w, j * k + p);  // k % 8 tail
      out[i * n + j] = s + (bias ? bias[j] : 0.0f);
    }
  }
}

template <WDType D>
void small_m_typed(float* out, const float* x, const void* w, int64_t m, int64_t n, int64_t k, const float* bias) {
  const int64_t k8 = k & ~int64_t{7};
  const float* xp = pack_x_chunks(x, m, k, k8, kChunk);
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

}  // namespace sieve::cpu::avx2::detail
