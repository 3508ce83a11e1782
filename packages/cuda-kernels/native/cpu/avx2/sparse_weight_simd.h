// SIMD helpers of the AVX2 pruned-weight kernels (and of TEAL's threshold selection). Only for
// files under avx2/.
//
// Everything sits in an anonymous namespace on purpose: each avx2/ file gets a private copy, so no
// inline function compiled with -mavx2 can be merged by the linker into portable code (see
// cpu/parallel.h for the same rule around the thread pool).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "cpu/avx2/stream_rows.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

inline int64_t sw_min(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t sw_max(int64_t a, int64_t b) { return a > b ? a : b; }
inline int64_t sw_clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// At least this many weight columns per thread chunk: below it, waking a worker costs more than it saves.
constexpr int64_t kSparseGrainWeights = 16384;

// Rows per GEMV tile, taken from separate parts of a thread's row range: one sequential stream
// per thread reads only about half of what several streams get from memory (the L2 streamer
// runs ahead on each stream it tracks, one per 4 KB page), and adjacent compressed rows share
// pages (a 2:4 f16 row of 2048 columns is 2 KB), which breaks a stream up. So a thread's rows
// are cut into kStreams contiguous parts and a tile takes one row of each: kStreams sequential
// streams of values (and of indices) in separate pages, as the dense GEMV's 8 rows of 4 KB are.
constexpr int kStreams = 4;

// Runs tile(first_row, stride, count) over [r0, r1): tiles of kStreams rows `stride` apart,
// then the rows left over one by one (count 1). Parts of an odd number of rows (stream_rows.h):
// fixed-size rows (N:M) would otherwise put the streams a power of two apart.
template <typename Tile>
inline void for_each_stream_tile(int64_t r0, int64_t r1, Tile&& tile) {
  const int64_t part = rows_per_stream(r1 - r0, kStreams);
  for (int64_t i = 0; i < part; ++i) tile(r0 + i, part, kStreams);
  for (int64_t j = r0 + part * kStreams; j < r1; ++j) tile(j, int64_t{0}, 1);
}

// Software prefetch distance on each weight stream (values, indices), in bytes of that stream's
// own progress: the L2 streamer alone kept the kernels at ~80% of the read bandwidth (it ramps up
// again on every 4 KB page and tracks few streams); asking for the line kPrefetchBytes ahead of
// where each stream reads now keeps enough misses in flight. 2-3 KB measured best on this VM
// (1 KB ~90%, 4 KB no better); index streams advance slower and use a proportionally shorter distance.
constexpr int64_t kPrefetchBytes = 2048;

inline void prefetch_at(const void* p, int64_t byte_offset) {
  _mm_prefetch(static_cast<const char*>(p) + byte_offset, _MM_HINT_T0);
}

inline int64_t row_grain(int64_t cols) { return sw_max(1, kSparseGrainWeights / sw_max(1, cols)); }

// 8 values starting at element i, widened to f32 (f16 with F16C).
template <SparseValueType V>
inline __m256 load8v(const void* values, int64_t i) {
  if constexpr (V == SparseValueType::F32) {
    return _mm256_loadu_ps(static_cast<const float*>(values) + i);
  } else {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(values) + i)));
  }
}

template <SparseValueType V>
inline float load1v(const void* values, int64_t i) {
  if constexpr (V == SparseValueType::F32) {
    return static_cast<const float*>(values)[i];
  } else {
    return _cvtsh_ss(static_cast<const uint16_t*>(values)[i]);
  }
}

inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// [begin, end) of a row's (or block's) values, clamped into [0, nnz].
struct SwSpan {
  int64_t begin;
  int64_t end;
};
inline SwSpan clamped_span(const int32_t* ptr, int64_t i, int64_t nnz) {
  const int64_t b = sw_clamp(ptr[i], 0, nnz);
  return {b, sw_clamp(ptr[i + 1], b, nnz)};
}

// Lane masks: kLaneMask[p] has lanes 0..p-1 all ones, the rest zero (p = 0..8).
struct LaneMasks {
  alignas(32) int32_t m[9][8];
};
constexpr LaneMasks make_lane_masks() {
  LaneMasks t{};
  for (int p = 0; p <= 8; ++p)
    for (int l = 0; l < 8; ++l) t.m[p][l] = l < p ? -1 : 0;
  return t;
}
constexpr LaneMasks kLaneMask = make_lane_masks();

// Bits set in a byte. A table, not __builtin_popcount: the avx2/ files are compiled with
// -mavx2 -mfma -mf16c only, without which the builtin becomes a library call, not POPCNT.
struct PopcountTable {
  uint8_t n[256];
};
constexpr PopcountTable make_popcount_table() {
  PopcountTable t{};
  for (int b = 0; b < 256; ++b) {
    int c = 0;
    for (int v = b; v; v &= v - 1) ++c;
    t.n[b] = static_cast<uint8_t>(c);
  }
  return t;
}
constexpr PopcountTable kPopcount = make_popcount_table();

// The set bit positions of a byte, ascending, padded with 0: with a compare's movemask, the
// lanes to keep (the unstructured bitmap kernel, threshold_select.cc).
struct CompressLut {
  alignas(32) int32_t lanes[256][8];
};
constexpr CompressLut make_compress_lut() {
  CompressLut t{};
  for (int b = 0; b < 256; ++b) {
    int n = 0;
    for (int p = 0; p < 8; ++p)
      if ((b >> p) & 1) t.lanes[b][n++] = p;
    for (; n < 8; ++n) t.lanes[b][n] = 0;
  }
  return t;
}
constexpr CompressLut kCompress = make_compress_lut();

inline __m256i lane_mask(int64_t p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(kLaneMask.m[p])); }

}  // namespace
}  // namespace sieve::cpu::avx2
