// AVX2 kernels of the unstructured pruned-weight formats (layouts in sieve/sparse_weight_kernels.h):
//
//   bitmap  per 8 columns: the bitmap byte picks, through a 256-entry table, the activations of
//           its kept columns (one permute), which meet the next popcount(byte) values; the value
//           pointer advances by the popcount. Cost per 8 columns is fixed, whatever the sparsity.
//   csr     per 8 kept weights: 8 u16 columns widened, one gather of x (L1), one FMA.
//   bcsr    as csr with u8 column offsets inside 256-column blocks; chunks of 8 run across block
//           boundaries (the lanes past a boundary get +256), only a row's last < 8 use a masked gather.
//
// batch = 1 runs these GEMVs on tiles of 4 rows from separate parts of the row range (4 memory
// streams, see sparse_weight_simd.h); batch > 1 decodes each row once and runs the shared AXPY kernel.
// Every index read is bounded: row/block pointers are clamped to [0, nnz], columns to cols - 1,
// vector loads that could run past the end of an array take the scalar path instead.
#include <cstdint>

#include "cpu/avx2/sparse_weight_axpy.h"
#include "cpu/avx2/sparse_weight_simd.h"
#include "cpu/parallel.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// ---- bitmap ------------------------------------------------------------------------------------

inline __m256i compress_lanes(unsigned byte) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(kCompress.lanes[byte]));
}

// The scalar remainder of a bitmap row: bytes [b, bpr), values from vp, stopping at cols or end.
template <SparseValueType V, typename F>
inline void bitmap_tail(const BitmapWeight& w, const uint8_t* bm, int64_t b, int64_t vp, int64_t end, F&& f) {
  const int64_t bpr = bytes_per_8_columns(w.cols);
  for (; b < bpr && vp < end; ++b) {
    unsigned bits = bm[b];
    while (bits && vp < end) {
      const int64_t col = b * 8 + __builtin_ctz(bits);
      bits &= bits - 1;
      if (col >= w.cols) return;
      f(col, load1v<V>(w.values, vp++));
    }
  }
}

// S bitmap rows `stride` apart (kStreams memory streams) against x, in lockstep over the
// bitmap bytes (every row has the same number); each row's value pointer advances by popcounts.
template <SparseValueType V, int S>
inline void bitmap_gemv_tile(float* out, const float* x, const BitmapWeight& w, int64_t j0, int64_t stride,
                             const float* bias) {
  const int64_t bpr = bytes_per_8_columns(w.cols);
  const int64_t whole = w.cols / 8;  // bytes whose 8 columns all exist
  const uint8_t* bm[S];
  int64_t vp[S], end[S];
  __m256 a0[S], a1[S];
  bool fast = true;
  for (int r = 0; r < S; ++r) {
    const int64_t j = j0 + r * stride;
    const SwSpan sp = clamped_span(w.row_ptr, j, w.nnz);
    bm[r] = w.bitmap + j * bpr;
    vp[r] = sp.begin;
    end[r] = sp.end;
    a0[r] = a1[r] = _mm256_setzero_ps();
    // Each step reads 16 values past vp at most and vp grows by 8 per byte at most: this row's
    // vector loads all stay inside the values array (else the tile takes the scalar path).
    fast = fast && sp.begin + 8 * whole + 16 <= w.nnz;
  }
  int64_t b = 0;
  if (fast) {
    for (; b + 2 <= whole; b += 2) {
      const __m256 xa = _mm256_loadu_ps(x + 8 * b), xb = _mm256_loadu_ps(x + 8 * b + 8);
      for (int r = 0; r < S; ++r) {
        const unsigned m0 = bm[r][b], m1 = bm[r][b + 1];
        const int64_t p0 = kPopcount.n[m0], p1 = kPopcount.n[m1];
        const __m256 g0 = _mm256_permutevar8x32_ps(xa, compress_lanes(m0));
        const __m256 g1 = _mm256_permutevar8x32_ps(xb, compress_lanes(m1));
        const __m256 v0 = _mm256_and_ps(load8v<V>(w.values, vp[r]), _mm256_castsi256_ps(lane_mask(p0)));
        const __m256 v1 = _mm256_and_ps(load8v<V>(w.values, vp[r] + p0), _mm256_castsi256_ps(lane_mask(p1)));
        a0[r] = _mm256_fmadd_ps(g0, v0, a0[r]);
        a1[r] = _mm256_fmadd_ps(g1, v1, a1[r]);
        vp[r] += p0 + p1;
      }
    }
  }
  for (int r = 0; r < S; ++r) {
    float sum = hsum8(_mm256_add_ps(a0[r], a1[r]));
    bitmap_tail<V>(w, bm[r], b, vp[r], end[r], [&](int64_t col, float v) { sum += v * x[col]; });
    const int64_t j = j0 + r * stride;
    out[j] = sum + (bias ? bias[j] : 0.0f);
  }
}

template <SparseValueType V>
void bitmap_gemv(float* out, const float* x, const BitmapWeight& w, const float* bias) {
  auto body = [&](int64_t r0, int64_t r1) {
    for_each_stream_tile(r0, r1, [&](int64_t j0, int64_t stride, int count) {
      if (count == kStreams) {
        bitmap_gemv_tile<V, kStreams>(out, x, w, j0, stride, bias);
      } else {
        bitmap_gemv_tile<V, 1>(out, x, w, j0, stride, bias);
      }
    });
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

template <SparseValueType V>
void bitmap_gemm(float* out, const float* x, int64_t batch, const BitmapWeight& w, const float* bias) {
  const int64_t bpr = bytes_per_8_columns(w.cols);
  const int64_t whole = w.cols / 8;
  auto decode = [&](int64_t j, int32_t* offs, float* vals) -> int64_t {
    const SwSpan s = clamped_span(w.row_ptr, j, w.nnz);
    const uint8_t* bm = w.bitmap + j * bpr;
    int64_t vp = s.begin, b = 0, n = 0;
    for (; b < whole && vp + 8 <= w.nnz; ++b) {
      const unsigned m = bm[b];
      const __m256i col = _mm256_add_epi32(compress_lanes(m), _mm256_set1_epi32(static_cast<int32_t>(8 * b)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(offs + n), _mm256_slli_epi32(col, 4));
      _mm256_storeu_ps(vals + n, load8v<V>(w.values, vp));
      const int64_t p = kPopcount.n[m];
      n += p;
      vp += p;
    }
    bitmap_tail<V>(w, bm, b, vp, s.end, [&](int64_t col, float v) {
      offs[n] = static_cast<int32_t>(col * kAxpyTile);
      vals[n++] = v;
    });
    return n;
  };
  axpy_gemm(out, x, batch, w.rows, w.cols, bias, decode);
}

// ---- csr (u16 columns) -------------------------------------------------------------------------

inline __m256i csr_cols8(const uint16_t* col, int64_t t, __m256i last) {
  const __m256i c = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(col + t)));
  return _mm256_min_epu32(c, last);
}

// S CSR rows `stride` apart (kStreams memory streams): chunks of 8 in lockstep while every row
// has one, then each row's remainder alone.
template <SparseValueType V, int S>
inline void csr_gemv_tile(float* out, const float* x, const CsrWeight& w, int64_t j0, int64_t stride, const float* bias) {
  const __m256i last = _mm256_set1_epi32(static_cast<int32_t>(w.cols - 1));
  const int64_t last_col = w.cols - 1;
  int64_t t[S], end[S];
  __m256 a[S];
  int64_t together = INT64_MAX;
  for (int r = 0; r < S; ++r) {
    const SwSpan sp = clamped_span(w.row_ptr, j0 + r * stride, w.nnz);
    t[r] = sp.begin;
    end[r] = sp.end;
    a[r] = _mm256_setzero_ps();
    together = sw_min(together, (sp.end - sp.begin) / 8);
  }
  for (int64_t c = 0; c < together; ++c) {
    for (int r = 0; r < S; ++r) {
      a[r] = _mm256_fmadd_ps(_mm256_i32gather_ps(x, csr_cols8(w.col, t[r], last), 4), load8v<V>(w.values, t[r]), a[r]);
      t[r] += 8;
    }
  }
  for (int r = 0; r < S; ++r) {
    __m256 b = _mm256_setzero_ps();
    for (; t[r] + 8 <= end[r]; t[r] += 8) {
      b = _mm256_fmadd_ps(_mm256_i32gather_ps(x, csr_cols8(w.col, t[r], last), 4), load8v<V>(w.values, t[r]), b);
    }
    float sum = hsum8(_mm256_add_ps(a[r], b));
    for (; t[r] < end[r]; ++t[r]) sum += load1v<V>(w.values, t[r]) * x[sw_min(w.col[t[r]], last_col)];
    const int64_t j = j0 + r * stride;
    out[j] = sum + (bias ? bias[j] : 0.0f);
  }
}

template <SparseValueType V>
void csr_gemv(float* out, const float* x, const CsrWeight& w, const float* bias) {
  auto body = [&](int64_t r0, int64_t r1) {
    for_each_stream_tile(r0, r1, [&](int64_t j0, int64_t stride, int count) {
      if (count == kStreams) {
        csr_gemv_tile<V, kStreams>(out, x, w, j0, stride, bias);
      } else {
        csr_gemv_tile<V, 1>(out, x, w, j0, stride, bias);
      }
    });
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

template <SparseValueType V>
void csr_gemm(float* out, const float* x, int64_t batch, const CsrWeight& w, const float* bias) {
  const __m256i last = _mm256_set1_epi32(static_cast<int32_t>(w.cols - 1));
  const int64_t last_col = w.cols - 1;
  auto decode = [&](int64_t j, int32_t* offs, float* vals) -> int64_t {
    const SwSpan s = clamped_span(w.row_ptr, j, w.nnz);
    const int64_t end = sw_min(s.end, s.begin + w.cols);  // a row holds at most cols weights: bounds the buffer
    int64_t t = s.begin, n = 0;
    for (; t + 8 <= end; t += 8, n += 8) {  // 8 entries per step
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(offs + n), _mm256_slli_epi32(csr_cols8(w.col, t, last), 4));
      _mm256_storeu_ps(vals + n, load8v<V>(w.values, t));
    }
    for (; t < end; ++t, ++n) {
      offs[n] = static_cast<int32_t>(sw_min(w.col[t], last_col) * kAxpyTile);
      vals[n] = load1v<V>(w.values, t);
    }
    return n;
  };
  axpy_gemm(out, x, batch, w.rows, w.cols, bias, decode);
}

// ---- bcsr (u8 column offsets in 256-column blocks) ---------------------------------------------

// A row's values are consumed in chunks of 8 that ignore block boundaries (a masked gather per
// block would cost as much as a full one): each chunk starts from the block base of its first
// value, and a block boundary inside the chunk adds 256 to the lanes at or past it. Whether a
// chunk crosses a boundary is data-dependent and unpredictable, so the one crossing a chunk
// usually has is handled without a branch; only a second one (empty blocks) takes the loop.
struct BcsrCursor {
  const int32_t* ptr = nullptr;  // this row's block pointers (blocks + 1 of them)
  int64_t last_block = 0;        // blocks - 1
  int64_t nnz = 0;
  int64_t block = 0;  // block of the chunk's first value
  int64_t next = 0;   // first value of block + 1 (the row's end for the last block)
  __m256i base;       // 256 * block in every lane

  void start(const int32_t* row_ptr, int64_t blocks, int64_t nnz_) {
    ptr = row_ptr;
    last_block = blocks - 1;
    nnz = nnz_;
    block = 0;
    next = pointer(1);
    base = _mm256_setzero_si256();
  }
  int64_t pointer(int64_t b) const { return sw_clamp(ptr[b], 0, nnz); }

  // Moves one block on when the current block ends inside [t, t + 8): lanes at or past the
  // boundary of `c` get +256. Branch-free.
  __m256i step(__m256i c, int64_t t, __m256i iota) {
    const bool cross = next < t + 8 && block < last_block;
    const int64_t rel = cross ? next - t : 8;  // first lane of the next block (8: none)
    const __m256i past = _mm256_cmpgt_epi32(iota, _mm256_set1_epi32(static_cast<int32_t>(rel - 1)));
    const __m256i one_block = _mm256_set1_epi32(kBlockedCsrBlock);
    c = _mm256_add_epi32(c, _mm256_and_si256(past, one_block));
    base = _mm256_add_epi32(base, _mm256_and_si256(_mm256_set1_epi32(-static_cast<int32_t>(cross)), one_block));
    block += cross;
    next = cross ? pointer(sw_min(block + 1, last_block + 1)) : next;
    return c;
  }

  // Columns of values t..t+7 (lanes past the row's end are computed but never used unmasked).
  __m256i columns(const uint8_t* lo, int64_t t, __m256i iota, __m256i last) {
    __m256i c = _mm256_add_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(lo + t))), base);
    c = step(c, t, iota);
    while (next < t + 8 && block < last_block) c = step(c, t, iota);  // more boundaries: empty blocks
    return _mm256_min_epu32(c, last);
  }
};

// S blocked-CSR rows `stride` apart (kStreams memory streams): chunks of 8 in lockstep while
// every row has one, then each row's remainder alone.
template <SparseValueType V, int S>
inline void bcsr_gemv_tile(float* out, const float* x, const BlockedCsrWeight& w, int64_t j0, int64_t stride,
                           const float* bias) {
  const int64_t blocks = blocked_csr_blocks(w.cols);
  const __m256i last = _mm256_set1_epi32(static_cast<int32_t>(w.cols - 1));
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int64_t last_col = w.cols - 1;
  BcsrCursor cur[S];
  int64_t t[S], end[S];
  __m256 a[S];
  int64_t together = INT64_MAX;
  for (int r = 0; r < S; ++r) {
    const int32_t* ptr = w.block_ptr + (j0 + r * stride) * blocks;
    cur[r].start(ptr, blocks, w.nnz);
    t[r] = sw_clamp(ptr[0], 0, w.nnz);
    end[r] = sw_clamp(ptr[blocks], t[r], w.nnz);
    a[r] = _mm256_setzero_ps();
    together = sw_min(together, (end[r] - t[r]) / 8);
  }
  for (int64_t c = 0; c < together; ++c) {
    for (int r = 0; r < S; ++r) {
      const __m256 g = _mm256_i32gather_ps(x, cur[r].columns(w.col_lo, t[r], iota, last), 4);
      a[r] = _mm256_fmadd_ps(g, load8v<V>(w.values, t[r]), a[r]);
      t[r] += 8;
    }
  }
  for (int r = 0; r < S; ++r) {
    BcsrCursor& cr = cur[r];
    for (; t[r] + 8 <= end[r]; t[r] += 8) {
      a[r] = _mm256_fmadd_ps(_mm256_i32gather_ps(x, cr.columns(w.col_lo, t[r], iota, last), 4), load8v<V>(w.values, t[r]), a[r]);
    }
    float sum = 0.0f;
    if (t[r] < end[r] && t[r] + 8 <= w.nnz) {  // the row's last < 8 values: one masked gather
      const __m256 mask = _mm256_castsi256_ps(lane_mask(end[r] - t[r]));
      const __m256 g = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), x, cr.columns(w.col_lo, t[r], iota, last), mask, 4);
      a[r] = _mm256_fmadd_ps(g, _mm256_and_ps(load8v<V>(w.values, t[r]), mask), a[r]);
    } else if (t[r] < end[r]) {  // at the very end of the arrays: scalar, block by block
      for (int64_t b = 0; b < blocks; ++b) {
        const SwSpan sp = clamped_span(cr.ptr, b, w.nnz);
        for (int64_t u = sw_max(sp.begin, t[r]); u < sp.end; ++u) {
          sum += load1v<V>(w.values, u) * x[sw_min(b * kBlockedCsrBlock + w.col_lo[u], last_col)];
        }
      }
    }
    const int64_t j = j0 + r * stride;
    out[j] = sum + hsum8(a[r]) + (bias ? bias[j] : 0.0f);
  }
}

template <SparseValueType V>
void bcsr_gemv(float* out, const float* x, const BlockedCsrWeight& w, const float* bias) {
  auto body = [&](int64_t r0, int64_t r1) {
    for_each_stream_tile(r0, r1, [&](int64_t j0, int64_t stride, int count) {
      if (count == kStreams) {
        bcsr_gemv_tile<V, kStreams>(out, x, w, j0, stride, bias);
      } else {
        bcsr_gemv_tile<V, 1>(out, x, w, j0, stride, bias);
      }
    });
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

template <SparseValueType V>
void bcsr_gemm(float* out, const float* x, int64_t batch, const BlockedCsrWeight& w, const float* bias) {
  const int64_t blocks = blocked_csr_blocks(w.cols);
  const int64_t last_col = w.cols - 1;
  auto decode = [&](int64_t j, int32_t* offs, float* vals) -> int64_t {
    int64_t n = 0;
    for (int64_t bk = 0; bk < blocks; ++bk) {
      const SwSpan s = clamped_span(w.block_ptr, j * blocks + bk, w.nnz);
      const int64_t b0 = bk * kBlockedCsrBlock;
      // A block holds at most as many weights as it has columns: bounds the buffer.
      const int64_t end = sw_min(s.end, s.begin + sw_min(kBlockedCsrBlock, w.cols - b0));
      for (int64_t t = s.begin; t < end; ++t, ++n) {
        offs[n] = static_cast<int32_t>(sw_min(b0 + w.col_lo[t], last_col) * kAxpyTile);
        vals[n] = load1v<V>(w.values, t);
      }
    }
    return n;
  };
  axpy_gemm(out, x, batch, w.rows, w.cols, bias, decode);
}

// ---- entry points --------------------------------------------------------------------------------

// Fills out with the bias (or 0) when there is nothing to multiply; true when it did.
bool empty_product(float* out, int64_t batch, int64_t rows, int64_t cols, const float* bias) {
  if (batch <= 0 || rows <= 0) return true;
  if (cols > 0) return false;
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < rows; ++j) out[i * rows + j] = bias ? bias[j] : 0.0f;
  return true;
}

}  // namespace

void bitmap_linear(float* out, const float* x, int64_t batch, const BitmapWeight& w, const float* bias) {
  if (empty_product(out, batch, w.rows, w.cols, bias)) return;
  const bool f16 = w.vdt == SparseValueType::F16;
  if (batch == 1) {
    return f16 ? bitmap_gemv<SparseValueType::F16>(out, x, w, bias) : bitmap_gemv<SparseValueType::F32>(out, x, w, bias);
  }
  f16 ? bitmap_gemm<SparseValueType::F16>(out, x, batch, w, bias) : bitmap_gemm<SparseValueType::F32>(out, x, batch, w, bias);
}

void csr_linear(float* out, const float* x, int64_t batch, const CsrWeight& w, const float* bias) {
  if (empty_product(out, batch, w.rows, w.cols, bias)) return;
  const bool f16 = w.vdt == SparseValueType::F16;
  if (batch == 1) {
    return f16 ? csr_gemv<SparseValueType::F16>(out, x, w, bias) : csr_gemv<SparseValueType::F32>(out, x, w, bias);
  }
  f16 ? csr_gemm<SparseValueType::F16>(out, x, batch, w, bias) : csr_gemm<SparseValueType::F32>(out, x, batch, w, bias);
}

void blocked_csr_linear(float* out, const float* x, int64_t batch, const BlockedCsrWeight& w, const float* bias) {
  if (empty_product(out, batch, w.rows, w.cols, bias)) return;
  const bool f16 = w.vdt == SparseValueType::F16;
  if (batch == 1) {
    return f16 ? bcsr_gemv<SparseValueType::F16>(out, x, w, bias) : bcsr_gemv<SparseValueType::F32>(out, x, w, bias);
  }
  f16 ? bcsr_gemm<SparseValueType::F16>(out, x, batch, w, bias) : bcsr_gemm<SparseValueType::F32>(out, x, batch, w, bias);
}

}  // namespace sieve::cpu::avx2
