// AVX2 kernels of the chunked CSR format with 8-bit offsets (layout in sieve/sparse_weight_kernels.h).
//
// Per chunk of 8 kept weights: the 16-bit base column is the gather's scalar base pointer and the
// eight 8-bit offsets, widened, are its lanes; one gather of x (L1), one FMA with the 8 values.
// Rows are whole chunks, so there are no tails. x is first copied into a buffer followed by 256
// zeros: base (clamped to cols - 1) + offset (<= 255) then always lands inside it, whatever the
// index contents, and the gather needs no per-lane clamp.
//
// batch = 1 runs the GEMV on tiles of 4 rows from separate parts of the row range (4 memory
// streams, see sparse_weight_simd.h, each of its three arrays prefetched ahead); batch 2..4 shares
// each chunk's decode across the activation rows (one gather per row); larger batches decode each
// row once and run the AXPY kernel.
//
// Where the batch-1 GEMV stands at 90-95% sparsity (TinyLlama shapes, f16, 2-core Xeon VM, 2.6 GHz
// TSC, ~3.5 GHz core). With the weight in L2 it takes ~4 TSC cycles per chunk (~17 GB/s on one
// thread) at 70, 90 and 95% alike: the gather's 8 loads and the chunk's 3 others keep the load ports
// busy (back-to-back gathers alone: ~2.1 cycles each). Streamed from memory (mean over the 4
// shapes, % of a read probe run in the same rounds) it reached 91% / 81% (90% / 95% sparsity) on
// 1 thread and 74% / 65% on 2 before the two changes below, 92% / 85% and 78% / 70% after.
// Replacing the gather by one plain load (diagnosis only, wrong sums) streamed only 0-2% faster
// at 90% (and on 2 threads at 95%), so most of the gap is on the memory side. Kept, measured A/B
// in one process (alternating rounds, 3 runs, 4 shapes): each thread pads its own x (csr8_gemv)
// and the prefetch runs 1 KB ahead (kCsr8GemvPrefetchBytes). Tried and not kept (same method):
//  - no base clamp, x padded with zeros to 65536 + 256 floats so that any u16 base + u8 offset
//    stays inside whatever the index contents (no validation needed): +1-2% with the weight in
//    L2, within noise streamed;
//  - a chunk pair's offsets from one 16-byte load, 4 bases from one 8-byte load: no gain;
//  - each row's 4 chunks of a step back to back instead of interleaved across rows: +6% in L2,
//    0 to -3% streamed;
//  - 8 streams (-5 to -17%), 2 or 3 streams (within noise), 2 accumulators per row (-10 to -15%),
//    8 chunks per step (-5 to -15%);
//  - prefetch: one per 64 B of each stream instead of one per step (-3 to -5%), a row's whole
//    span at the start of its tile (-5 to -20%), the leftover chunks after the lockstep loop (no
//    gain), an extra T2 prefetch 4 KB ahead (0 to -6%), T1/T2 hints (within noise), NTA (-55%).
#include <cstdint>
#include <cstring>

#include "cpu/avx2/sparse_weight_axpy.h"
#include "cpu/avx2/sparse_weight_simd.h"
#include "cpu/parallel.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// Each of the `rows` rows of x followed by kCsr8Span zeros (row stride cols + kCsr8Span), in a
// per-thread buffer reused across calls.
const float* padded_x(const float* x, int64_t rows, int64_t cols) {
  static thread_local SwScratch buffer;
  const int64_t stride = cols + kCsr8Span;
  auto* xp = static_cast<float*>(buffer.get(static_cast<size_t>(rows * stride) * sizeof(float)));
  for (int64_t i = 0; i < rows; ++i) {
    std::memcpy(xp + i * stride, x + i * cols, static_cast<size_t>(cols) * sizeof(float));
    std::memset(xp + i * stride + cols, 0, static_cast<size_t>(kCsr8Span) * sizeof(float));
  }
  return xp;
}

// The gather of chunk c of a row whose arrays start at (off, base): x[base[c] + off[8c .. 8c+7]].
inline __m256 row_chunk_gather(const float* xp, const uint8_t* off, const uint16_t* base, int64_t c, int64_t last_col) {
  const __m256i o = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(off + c * kCsr8Chunk)));
  return _mm256_i32gather_ps(xp + sw_min(base[c], last_col), o, 4);
}

// Prefetch distance of the GEMV on its values stream (offsets and bases: proportionally shorter,
// the same number of chunks ahead). Half of kPrefetchBytes: 12 streams (4 rows x 3 arrays) at 2 KB
// keep ~13 KB of lines fetched ahead in L1 beside x; at 1 KB the lines are still requested
// ~0.5 us before they are read. Against 2 KB (f16, 4 TinyLlama shapes, same runs): 90-95% sparsity
// +5-7% on 1 thread and +5% on 2; 50-70% +1-3%; 512-768 B about the same as 1 KB, 1.5 KB no
// better than 2 KB.
constexpr int64_t kCsr8GemvPrefetchBytes = 1024;

// S rows `stride` apart: chunks in lockstep while every row has one, then each row's rest alone.
// The lockstep loop indexes every row's arrays from one counter (per-row counters kept in an
// array were spilled by the compiler and reloaded through memory each chunk), takes 4 chunks per
// step, and prefetches each row's three streams (values, offsets, bases) ahead once per step:
// 4 chunks are 64 bytes of f16 values (128 of f32), 32 of offsets, 8 of bases.
template <SparseValueType V, int S>
inline void csr8_gemv_tile(float* out, const float* xp, const Csr8Weight& w, int64_t j0, int64_t stride, const float* bias) {
  constexpr int64_t vb = V == SparseValueType::F32 ? 4 : 2;
  const int64_t last_col = w.cols - 1;
  const char* vals[S];
  const uint8_t* off[S];
  const uint16_t* base[S];
  int64_t count[S];
  __m256 a[S];
  int64_t together = INT64_MAX;
  for (int r = 0; r < S; ++r) {
    const SwSpan sp = clamped_span(w.row_chunk, j0 + r * stride, w.chunks);
    vals[r] = static_cast<const char*>(w.values) + sp.begin * kCsr8Chunk * vb;
    off[r] = w.offset + sp.begin * kCsr8Chunk;
    base[r] = w.base + sp.begin;
    count[r] = sp.end - sp.begin;
    a[r] = _mm256_setzero_ps();
    together = sw_min(together, count[r]);
  }
  int64_t c = 0;
  for (; c + 4 <= together; c += 4) {
    for (int r = 0; r < S; ++r) {
      const char* v = vals[r] + c * kCsr8Chunk * vb;
      prefetch_at(v, kCsr8GemvPrefetchBytes);
      if constexpr (vb == 4) prefetch_at(v, kCsr8GemvPrefetchBytes + 64);
      prefetch_at(off[r] + c * kCsr8Chunk, kCsr8GemvPrefetchBytes / vb);
      prefetch_at(base[r] + c, kCsr8GemvPrefetchBytes / (4 * vb));
    }
    for (int k = 0; k < 4; ++k) {
      for (int r = 0; r < S; ++r) {
        a[r] = _mm256_fmadd_ps(row_chunk_gather(xp, off[r], base[r], c + k, last_col), load8v<V>(vals[r], (c + k) * kCsr8Chunk), a[r]);
      }
    }
  }
  for (int r = 0; r < S; ++r) {
    for (int64_t k = c; k < count[r]; ++k) {
      a[r] = _mm256_fmadd_ps(row_chunk_gather(xp, off[r], base[r], k, last_col), load8v<V>(vals[r], k * kCsr8Chunk), a[r]);
    }
    const int64_t j = j0 + r * stride;
    out[j] = hsum8(a[r]) + (bias ? bias[j] : 0.0f);
  }
}

// Each thread pads its own copy of x (padded_x's buffer is thread_local) instead of gathering from
// the caller's: that buffer was just written on the caller's core, so a worker's gathers pulled it
// across line by line, in gather order, on every call; a sequential copy of its own is cheaper.
// 2 threads, weight in L2: 256x2048 at 95% +50%, 2048x2048 +20%; streamed: +3-5% at 90-95%
// (+7-11% on 256x2048), 50-70% +1-2%. One thread runs the same work as before.
template <SparseValueType V>
void csr8_gemv(float* out, const float* x, const Csr8Weight& w, const float* bias) {
  auto body = [&](int64_t r0, int64_t r1) {
    const float* xp = padded_x(x, 1, w.cols);
    for_each_stream_tile(r0, r1, [&](int64_t j0, int64_t stride, int count) {
      if (count == kStreams) {
        csr8_gemv_tile<V, kStreams>(out, xp, w, j0, stride, bias);
      } else {
        csr8_gemv_tile<V, 1>(out, xp, w, j0, stride, bias);
      }
    });
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

// Largest batch of the gather-per-row kernel. Measured on 2048x2048 f16 streamed from memory
// against the AXPY kernel: 2.2-2.3x at 2 rows, 1.25x at 4, 0.5x at 8 (70% and 90% sparsity).
constexpr int kCsr8RowsMax = 4;

// MT activation rows (2..4) share each chunk's offsets, base and values, read once: one gather per
// row per chunk. Two chunks per step with an accumulator each keep the FMA chains short.
template <SparseValueType V, int MT>
void csr8_gemm_rows(float* out, const float* x, const Csr8Weight& w, const float* bias) {
  const int64_t xstride = w.cols + kCsr8Span, last_col = w.cols - 1;
  const float* xp = padded_x(x, MT, w.cols);
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t j = r0; j < r1; ++j) {
      const SwSpan sp = clamped_span(w.row_chunk, j, w.chunks);
      __m256 a0[MT], a1[MT];
      for (int i = 0; i < MT; ++i) a0[i] = a1[i] = _mm256_setzero_ps();
      int64_t c = sp.begin;
      for (; c + 2 <= sp.end; c += 2) {
        prefetch_at(static_cast<const char*>(w.values) + c * kCsr8Chunk * (V == SparseValueType::F32 ? 4 : 2), kPrefetchBytes);
        prefetch_at(w.offset + c * kCsr8Chunk, kPrefetchBytes / 2);
        const __m256i o0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w.offset + c * kCsr8Chunk)));
        const __m256i o1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w.offset + (c + 1) * kCsr8Chunk)));
        const int64_t b0 = sw_min(w.base[c], last_col), b1 = sw_min(w.base[c + 1], last_col);
        const __m256 v0 = load8v<V>(w.values, c * kCsr8Chunk), v1 = load8v<V>(w.values, (c + 1) * kCsr8Chunk);
        for (int i = 0; i < MT; ++i) {
          const float* xi = xp + i * xstride;
          a0[i] = _mm256_fmadd_ps(_mm256_i32gather_ps(xi + b0, o0, 4), v0, a0[i]);
          a1[i] = _mm256_fmadd_ps(_mm256_i32gather_ps(xi + b1, o1, 4), v1, a1[i]);
        }
      }
      if (c < sp.end) {
        const __m256i o0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w.offset + c * kCsr8Chunk)));
        const int64_t b0 = sw_min(w.base[c], last_col);
        const __m256 v0 = load8v<V>(w.values, c * kCsr8Chunk);
        for (int i = 0; i < MT; ++i) a0[i] = _mm256_fmadd_ps(_mm256_i32gather_ps(xp + i * xstride + b0, o0, 4), v0, a0[i]);
      }
      const float b = bias ? bias[j] : 0.0f;
      for (int i = 0; i < MT; ++i) out[i * w.rows + j] = hsum8(_mm256_add_ps(a0[i], a1[i])) + b;
    }
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

template <SparseValueType V>
void csr8_gemm(float* out, const float* x, int64_t batch, const Csr8Weight& w, const float* bias) {
  const __m256i last = _mm256_set1_epi32(static_cast<int32_t>(w.cols - 1));
  // Whole chunks, padding included (its values are 0, so it adds nothing): 8 entries per step, no
  // per-entry branches. A valid row decodes to at most cols + 8 entries (a full row has no chunks
  // cut short, and a row with cuts has 256-column gaps); stopping there bounds the buffer
  // (cols + 32 entries) whatever the index contents.
  const int64_t limit = w.cols + kCsr8Chunk;
  auto decode = [&](int64_t j, int32_t* offs, float* vals) -> int64_t {
    const SwSpan sp = clamped_span(w.row_chunk, j, w.chunks);
    int64_t n = 0;
    for (int64_t c = sp.begin; c < sp.end && n + kCsr8Chunk <= limit; ++c, n += kCsr8Chunk) {
      const __m256i off = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w.offset + c * kCsr8Chunk)));
      const __m256i col = _mm256_min_epu32(_mm256_add_epi32(off, _mm256_set1_epi32(w.base[c])), last);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(offs + n), _mm256_slli_epi32(col, 4));
      _mm256_storeu_ps(vals + n, load8v<V>(w.values, c * kCsr8Chunk));
    }
    return n;
  };
  if (batch <= kCsr8RowsMax) {
    switch (batch) {
      case 2: return csr8_gemm_rows<V, 2>(out, x, w, bias);
      case 3: return csr8_gemm_rows<V, 3>(out, x, w, bias);
      case 4: return csr8_gemm_rows<V, 4>(out, x, w, bias);
    }
  }
  axpy_gemm(out, x, batch, w.rows, w.cols, bias, decode);
}

}  // namespace

void csr8_linear(float* out, const float* x, int64_t batch, const Csr8Weight& w, const float* bias) {
  if (batch <= 0 || w.rows <= 0) return;
  if (w.cols <= 0) {
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < w.rows; ++j) out[i * w.rows + j] = bias ? bias[j] : 0.0f;
    return;
  }
  const bool f16 = w.vdt == SparseValueType::F16;
  if (batch == 1) {
    return f16 ? csr8_gemv<SparseValueType::F16>(out, x, w, bias) : csr8_gemv<SparseValueType::F32>(out, x, w, bias);
  }
  f16 ? csr8_gemm<SparseValueType::F16>(out, x, batch, w, bias) : csr8_gemm<SparseValueType::F32>(out, x, batch, w, bias);
}

}  // namespace sieve::cpu::avx2
