// Row primitives shared by the AVX2 activation-sparse kernels (only for files under avx2/; every
// function is in an anonymous namespace for the reason given in cpu/parallel.h).
//
// The sparse kernels are built from two moves over contiguous weight rows:
//   axpy_rows: acc[0:len) += sum_r s[r] * row_r[0:len)   (input-major GEMV, CATS down)
//   dot_rows:  d[r] = row_r[0:len) . x[0:len)           (CATS up)
// Several rows advance together so that several DRAM streams are in flight at once (a GEMV is a
// memory stream: one row at a time leaves the memory system idle between row starts), and the
// accumulator vector is loaded and stored once per R rows instead of once per row.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstdlib>

#include "cpu/avx2/stream_rows.h"
#include "cpu/avx2/widen.h"

namespace sieve::cpu::avx2 {
namespace {

// Element i of w as a byte address (for prefetches).
template <WDType D>
inline const char* byte_at(const void* w, int64_t i) {
  return static_cast<const char*>(w) + i * bytes_per_weight<D>();
}

// acc[c:c+16) += sum_{r < R} sv[r] * w[off[r] + c : +16): the step both row walkers below share.
template <WDType D, int R>
inline void axpy16(float* acc, const void* w, const int64_t* off, const __m256* sv, int64_t c) {
  __m256 a0 = _mm256_loadu_ps(acc + c), a1 = _mm256_loadu_ps(acc + c + 8);
  for (int r = 0; r < R; ++r) {
    a0 = _mm256_fmadd_ps(sv[r], load8<D>(w, off[r] + c), a0);
    a1 = _mm256_fmadd_ps(sv[r], load8<D>(w, off[r] + c + 8), a1);
  }
  _mm256_storeu_ps(acc + c, a0);
  _mm256_storeu_ps(acc + c + 8, a1);
}

// acc[0:len) += sum_{r < R} s[r] * w[off[r] + 0:len). off are element offsets into w. When pf is
// given, the R rows at element offsets pf[r] (rows a later call will read) are prefetched along
// the way, so that their DRAM latency overlaps this call's arithmetic instead of following it.
template <WDType D, int R>
inline void axpy_rows(float* acc, const void* w, const int64_t* off, const float* s, int64_t len,
                      const int64_t* pf = nullptr) {
  __m256 sv[R];
  for (int r = 0; r < R; ++r) sv[r] = _mm256_set1_ps(s[r]);
  int64_t c = 0;
  for (; c + 16 <= len; c += 16) {
    if (pf && (D == WDType::F32 || (c & 31) == 0)) {  // one prefetch per 64-byte line
      for (int r = 0; r < R; ++r) _mm_prefetch(byte_at<D>(w, pf[r] + c), _MM_HINT_T0);
    }
    axpy16<D, R>(acc, w, off, sv, c);
  }
  if (c + 8 <= len) {
    __m256 a0 = _mm256_loadu_ps(acc + c);
    for (int r = 0; r < R; ++r) a0 = _mm256_fmadd_ps(sv[r], load8<D>(w, off[r] + c), a0);
    _mm256_storeu_ps(acc + c, a0);
    c += 8;
  }
  for (; c < len; ++c) {
    float a = acc[c];
    for (int r = 0; r < R; ++r) a += s[r] * load1<D>(w, off[r] + c);
    acc[c] = a;
  }
}

// The prefetch of one 16-column step of axpy_rows_ahead (far, far_next and dc as described there),
// shared with the few-rows batch kernel: one prefetch per 64-byte line and row. Forced inline: left
// to GCC it stayed a call in the few-rows kernel, which then ran 8% slower (2-6 rows, C++ driver).
template <WDType D, int R>
__attribute__((always_inline)) inline void prefetch_ahead(const void* w, int64_t c, int64_t len, const int64_t* far,
                                                          const int64_t* far_next, int64_t dc) {
  if (D != WDType::F32 && (c & 31) != 0) return;  // f16/bf16: the other half of the line
  const int64_t t = c + dc;
  const int64_t* rows = t < len ? far : far_next;
  if (!rows) return;
  const int64_t col = t < len ? t : t - len;
  for (int r = 0; r < R; ++r) _mm_prefetch(byte_at<D>(w, rows[r] + col), _MM_HINT_T0);
}

// axpy_rows for the batch-1 input-major GEMV, which streams a sequence of row groups: while
// columns c of the current group (rows at off) are read, the line `dc` columns further along that
// sequence is prefetched: column c + dc of the group `far` (dc < len) or, once that runs past the
// row end, column c + dc - len of the group after it (`far_next`). far / far_next are nullptr past
// the end of the list. The distance is fixed in bytes (see kPrefetchBytes in
// activation_sparse_gemv.cc), so every row length keeps the same amount in flight, and the
// prefetches walk the rows in the order the loads will, front to back, which DRAM streams best.
template <WDType D, int R>
inline void axpy_rows_ahead(float* acc, const void* w, const int64_t* off, const float* s, int64_t len,
                            const int64_t* far, const int64_t* far_next, int64_t dc) {
  __m256 sv[R];
  for (int r = 0; r < R; ++r) sv[r] = _mm256_set1_ps(s[r]);
  int64_t c = 0;
  for (; c + 16 <= len; c += 16) {
    prefetch_ahead<D, R>(w, c, len, far, far_next, dc);
    axpy16<D, R>(acc, w, off, sv, c);
  }
  if (c < len) {  // the last len % 16 columns
    int64_t tail[R];
    for (int r = 0; r < R; ++r) tail[r] = off[r] + c;
    axpy_rows<D, R>(acc + c, w, tail, s, len - c);
  }
}

// Walks entries [b, e) of a list of active weight rows (row idx[i], or i when idx is null, each
// `n` weights long; columns [c0, c0 + len) of each) the way both input-major TEAL kernels stream
// them: step g takes entry g of each of P equal parts of the range (rows_per_stream: odd), so
// where kept rows are consecutive each of the P streams runs on through the weight sequentially,
// where P neighbouring entries would end together and restart P streams every row. Calls
//   group(at, off, far, far_next, dc)  at[r]: the list entries, off[r]: their element offsets;
//                                      far / far_next / dc as axpy_rows_ahead takes them, for a
//                                      prefetch `prefetch_bytes` ahead along the walk
//   single(i)                          for each of the (e - b) - P * per entries left over.
template <WDType D, int P, typename Group, typename Single>
inline void walk_parts(const int32_t* idx, int64_t b, int64_t e, int64_t n, int64_t c0, int64_t len,
                       int64_t prefetch_bytes, Group&& group, Single&& single) {
  // The distance in columns of one group (a multiple of 32 so it lands on line starts in f16),
  // split into whole groups ahead and the columns left over.
  const int64_t dc = imax(32, prefetch_bytes / (P * bytes_per_weight<D>()) / 32 * 32);
  const int64_t groups_ahead = dc / imax(1, len), dc_rest = dc - groups_ahead * len;
  const int64_t per = rows_per_stream(e - b, P);
  int64_t at[P], off[P], far[P], far_next[P];
  auto rows_of = [&](int64_t* dst, int64_t g) -> const int64_t* {
    if (g >= per) return nullptr;
    for (int r = 0; r < P; ++r) {
      const int64_t i = b + r * per + g;
      dst[r] = (idx ? idx[i] : i) * n + c0;
    }
    return dst;
  };
  for (int64_t g = 0; g < per; ++g) {
    for (int r = 0; r < P; ++r) at[r] = b + r * per + g;
    rows_of(off, g);
    const int64_t* f = groups_ahead == 0 ? off : rows_of(far, g + groups_ahead);
    const int64_t* fn = rows_of(far_next, g + groups_ahead + 1);
    group(static_cast<const int64_t*>(at), static_cast<const int64_t*>(off), f, fn, dc_rest);
  }
  for (int64_t i = b + per * P; i < e; ++i) single(i);
}

// For the batched panel kernels (avx2|avx512/activation_sparse_batch.cc): prefetches the first two
// cache lines of each row segment of the next panel into L2, one line per call: enough for the L2
// streamer to be running on that row when the panel starts.
template <WDType D>
struct NextPanel {
  static constexpr int64_t kLineCols = 64 / bytes_per_weight<D>();
  const void* wt;
  const int64_t* rows;
  int64_t count, c0, row = 0, line = 0;
  inline void one() {
    if (row >= count) return;
    _mm_prefetch(byte_at<D>(wt, rows[row] + c0 + line * kLineCols), _MM_HINT_T1);
    if (++line == 2) {
      line = 0;
      ++row;
    }
  }
  inline void rest() {
    while (row < count) one();
  }
};

// d[r] = w[off[r] + 0:len) . x[0:len) for R rows sharing each x load.
template <WDType D, int R>
inline void dot_rows(float* d, const void* w, const int64_t* off, const float* x, int64_t len) {
  __m256 a[R], b[R];
  for (int r = 0; r < R; ++r) a[r] = b[r] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 16 <= len; c += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + c), x1 = _mm256_loadu_ps(x + c + 8);
    for (int r = 0; r < R; ++r) {
      a[r] = _mm256_fmadd_ps(x0, load8<D>(w, off[r] + c), a[r]);
      b[r] = _mm256_fmadd_ps(x1, load8<D>(w, off[r] + c + 8), b[r]);
    }
  }
  if (c + 8 <= len) {
    const __m256 x0 = _mm256_loadu_ps(x + c);
    for (int r = 0; r < R; ++r) a[r] = _mm256_fmadd_ps(x0, load8<D>(w, off[r] + c), a[r]);
    c += 8;
  }
  for (int r = 0; r < R; ++r) d[r] = hsum(_mm256_add_ps(a[r], b[r]));
  for (; c < len; ++c)
    for (int r = 0; r < R; ++r) d[r] += x[c] * load1<D>(w, off[r] + c);
}

// A grow-only, 64-byte aligned float buffer (no std::vector in avx2/ files: see cpu/parallel.h).
struct FloatScratch {
  float* data = nullptr;
  int64_t capacity = 0;
  ~FloatScratch() { std::free(data); }
  float* get(int64_t floats) {
    if (floats > capacity) {
      std::free(data);
      const size_t bytes = static_cast<size_t>((floats * 4 + 63) / 64 * 64);
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data) std::abort();  // a few MB of scratch could not be had: nothing sensible to do
      capacity = floats;
    }
    return data;
  }
};

}  // namespace
}  // namespace sieve::cpu::avx2
