// Row visitors for the pruned-weight formats (portable code only): each calls f(column, value)
// for every kept weight of one row, in ascending column order. They are the single place where
// the portable kernels read the index arrays, and every read is bounded: row pointers are clamped
// to [0, nnz], columns to [0, cols), so malformed index contents cannot cause an out-of-bounds access.
#pragma once

#include <cstdint>

#include "cpu/half.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::portable::sparse_rows {

inline float value_at(const void* values, SparseValueType vdt, int64_t i) {
  if (vdt == SparseValueType::F32) return static_cast<const float*>(values)[i];
  return f16_to_f32(static_cast<const uint16_t*>(values)[i]);
}

inline int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// [begin, end) of a row's values from a row pointer array, clamped into [0, nnz].
struct Span {
  int64_t begin;
  int64_t end;
};
inline Span row_span(const int32_t* ptr, int64_t i, int64_t nnz) {
  const int64_t b = clamp(ptr[i], 0, nnz);
  return {b, clamp(ptr[i + 1], b, nnz)};
}

template <typename F>
void visit_nm_row(const NmWeight& w, int64_t r, F&& f) {
  const int64_t groups = nm_groups_per_row(w.cols, w.m);
  const int64_t vpr = groups * w.n;
  const uint8_t* idx = w.indices + r * bytes_per_8_columns(w.cols);
  const int64_t v0 = r * vpr;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t base = g * w.m;
    if (w.m == 4) {  // 2:4: 2-bit positions, value t of the row at bits 2*(t%4) of byte t/4
      for (int t = 0; t < 2; ++t) {
        const int64_t slot = g * 2 + t;
        const int64_t col = base + ((idx[slot >> 2] >> (2 * (slot & 3))) & 3);
        if (col < w.cols) f(col, value_at(w.values, w.vdt, v0 + slot));
      }
    } else {  // 4:8: a bitmap byte per group, values in ascending bit order
      unsigned bits = idx[g];
      for (int t = 0; t < 4 && bits; ++t) {
        const int64_t col = base + __builtin_ctz(bits);
        bits &= bits - 1;
        if (col < w.cols) f(col, value_at(w.values, w.vdt, v0 + g * 4 + t));
      }
    }
  }
}

template <typename F>
void visit_bitmap_row(const BitmapWeight& w, int64_t r, F&& f) {
  const Span s = row_span(w.row_ptr, r, w.nnz);
  const int64_t bpr = bytes_per_8_columns(w.cols);
  const uint8_t* bm = w.bitmap + r * bpr;
  int64_t v = s.begin;
  for (int64_t b = 0; b < bpr && v < s.end; ++b) {
    unsigned bits = bm[b];
    while (bits && v < s.end) {
      const int64_t col = b * 8 + __builtin_ctz(bits);
      bits &= bits - 1;
      if (col >= w.cols) return;
      f(col, value_at(w.values, w.vdt, v++));
    }
  }
}

template <typename F>
void visit_csr_row(const CsrWeight& w, int64_t r, F&& f) {
  const Span s = row_span(w.row_ptr, r, w.nnz);
  const int64_t last = w.cols - 1;
  for (int64_t t = s.begin; t < s.end; ++t) {
    const int64_t col = w.col[t] < last ? w.col[t] : last;
    f(col, value_at(w.values, w.vdt, t));
  }
}

template <typename F>
void visit_blocked_csr_row(const BlockedCsrWeight& w, int64_t r, F&& f) {
  const int64_t blocks = blocked_csr_blocks(w.cols);
  const int64_t last = w.cols - 1;
  for (int64_t b = 0; b < blocks; ++b) {
    const Span s = row_span(w.block_ptr, r * blocks + b, w.nnz);
    const int64_t base = b * kBlockedCsrBlock;
    for (int64_t t = s.begin; t < s.end; ++t) {
      const int64_t col = base + w.col_lo[t];
      f(col < last ? col : last, value_at(w.values, w.vdt, t));
    }
  }
}

// Padding slots (offset 0 after the first slot of a chunk) are visited too: their value is 0.
template <typename F>
void visit_csr8_row(const Csr8Weight& w, int64_t r, F&& f) {
  const Span s = row_span(w.row_chunk, r, w.chunks);
  const int64_t last = w.cols - 1;
  for (int64_t c = s.begin; c < s.end; ++c) {
    const int64_t base = w.base[c];
    for (int64_t t = c * kCsr8Chunk; t < (c + 1) * kCsr8Chunk; ++t) {
      const int64_t col = base + w.offset[t];
      f(col < last ? col : last, value_at(w.values, w.vdt, t));
    }
  }
}

}  // namespace sieve::cpu::portable::sparse_rows
