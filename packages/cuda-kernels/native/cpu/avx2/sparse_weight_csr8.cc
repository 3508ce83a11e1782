// AVX2 kernels of the chunked CSR format with 8-bit offsets (layout in sieve/sparse_weight_kernels.h).
//
// Per chunk of 8 kept weights: the 16-bit base column is the gather's scalar base pointer and the
// eight 8-bit offsets, widened, are its lanes; one gather of x (L1), one FMA with the 8 values.
// Rows are whole chunks, so there are no tails. x is first copied into a buffer followed by 256
// zeros: base (clamped to cols - 1) + offset (<= 255) then always lands inside it, whatever the
// index contents, and the gather needs no per-lane clamp.
//
// batch = 1 runs the GEMV on tiles of 4 rows from separate parts of the row range (4 memory
// streams, see sparse_weight_simd.h); batch > 1 decodes each row once and runs the AXPY kernel.
#include <cstdint>
#include <cstring>

#include "cpu/avx2/sparse_weight_axpy.h"
#include "cpu/avx2/sparse_weight_simd.h"
#include "cpu/parallel.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// x followed by kCsr8Span zeros, in a per-thread buffer reused across calls.
const float* padded_x(const float* x, int64_t cols) {
  static thread_local SwScratch buffer;
  auto* xp = static_cast<float*>(buffer.get(static_cast<size_t>(cols + kCsr8Span) * sizeof(float)));
  std::memcpy(xp, x, static_cast<size_t>(cols) * sizeof(float));
  std::memset(xp + cols, 0, static_cast<size_t>(kCsr8Span) * sizeof(float));
  return xp;
}

// The gather of one chunk: x[base + offset[0..7]].
inline __m256 chunk_gather(const float* xp, const Csr8Weight& w, int64_t c, int64_t last_col) {
  const int64_t base = sw_min(w.base[c], last_col);
  const __m256i off = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w.offset + c * kCsr8Chunk)));
  return _mm256_i32gather_ps(xp + base, off, 4);
}

// S rows `stride` apart: chunks in lockstep while every row has one, then each row's rest alone.
template <SparseValueType V, int S>
inline void csr8_gemv_tile(float* out, const float* xp, const Csr8Weight& w, int64_t j0, int64_t stride, const float* bias) {
  const int64_t last_col = w.cols - 1;
  int64_t c[S], end[S];
  __m256 a[S];
  int64_t together = INT64_MAX;
  for (int r = 0; r < S; ++r) {
    const SwSpan sp = clamped_span(w.row_chunk, j0 + r * stride, w.chunks);
    c[r] = sp.begin;
    end[r] = sp.end;
    a[r] = _mm256_setzero_ps();
    together = sw_min(together, sp.end - sp.begin);
  }
  for (int64_t i = 0; i < together; ++i) {
    for (int r = 0; r < S; ++r) {
      a[r] = _mm256_fmadd_ps(chunk_gather(xp, w, c[r], last_col), load8v<V>(w.values, c[r] * kCsr8Chunk), a[r]);
      ++c[r];
    }
  }
  for (int r = 0; r < S; ++r) {
    for (; c[r] < end[r]; ++c[r]) {
      a[r] = _mm256_fmadd_ps(chunk_gather(xp, w, c[r], last_col), load8v<V>(w.values, c[r] * kCsr8Chunk), a[r]);
    }
    const int64_t j = j0 + r * stride;
    out[j] = hsum8(a[r]) + (bias ? bias[j] : 0.0f);
  }
}

template <SparseValueType V>
void csr8_gemv(float* out, const float* x, const Csr8Weight& w, const float* bias) {
  const float* xp = padded_x(x, w.cols);
  auto body = [&](int64_t r0, int64_t r1) {
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
