// AVX2 N:M kernels (2:4 and 4:8): out[batch, rows] = x · W^T + bias with W compressed as
// documented in sieve/sparse_weight_kernels.h.
//
// Both patterns spend one index byte per 8 columns and hold 4 kept values per 8 columns, so one
// kernel serves both; only the tables that turn an index byte into lane numbers differ.
// Per 16 columns (one "unit": 2 index bytes, 8 values):
//   lo, hi = lut.lo[byte0], lut.hi[byte1]             lane numbers (0..7), one table load each
//   g     = blend(permute(x[0:8], lo), permute(x[8:16], hi))   the 8 activations that meet
//                                                     the 8 kept weights (lanes 0-3 from the first
//                                                     8 columns, 4-7 from the second)
//   acc  += g * widen(values[0:8])
// The weight bytes stream by once, front to back; x stays in L1. Columns past the last whole unit
// (cols % 16) take a scalar path that checks each column against cols.
//
//   batch = 1       GEMV: tiles of 4 rows from separate parts of the range (4 memory streams)
//   batch = 2..4    the same unit decode shared by every activation row (permute is cheap enough)
//   batch > 4       the AXPY kernel over transposed activations (sparse_weight_axpy.h)
#include "cpu/avx2/sparse_weight_axpy.h"
#include "cpu/avx2/sparse_weight_simd.h"
#include "cpu/parallel.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// Lane numbers of the 4 kept values an index byte describes, in two tables so that a 16-column
// unit needs no lane insert: `lo` puts them in lanes 0-3 (for the unit's first 8 columns), `hi`
// in lanes 4-7 (second 8 columns); the other lanes are unused. 8 KB each, L1-resident.
struct NmLut {
  alignas(32) int32_t lo[256][8];
  alignas(32) int32_t hi[256][8];
};

// The 4 lane numbers (0..7 within 8 columns) of index byte b.
//   2:4: the byte holds two groups of 4 columns, two 2-bit positions each;
//   4:8: the byte is a bitmap of one group of 8 columns: its first four set bits, ascending
//        (missing values are stored as 0, so their lane can be anything valid).
constexpr void nm_lanes(int b, bool two_of_four, int32_t* lanes) {
  if (two_of_four) {
    lanes[0] = b & 3;
    lanes[1] = (b >> 2) & 3;
    lanes[2] = 4 + ((b >> 4) & 3);
    lanes[3] = 4 + ((b >> 6) & 3);
    return;
  }
  int n = 0;
  for (int p = 0; p < 8 && n < 4; ++p)
    if ((b >> p) & 1) lanes[n++] = p;
  for (; n < 4; ++n) lanes[n] = 0;
}

constexpr NmLut make_nm_lut(bool two_of_four) {
  NmLut t{};
  for (int b = 0; b < 256; ++b) {
    int32_t lanes[4] = {0, 0, 0, 0};
    nm_lanes(b, two_of_four, lanes);
    for (int l = 0; l < 4; ++l) {
      t.lo[b][l] = lanes[l];
      t.hi[b][4 + l] = lanes[l];
    }
  }
  return t;
}

constexpr NmLut kLut2of4 = make_nm_lut(true);
constexpr NmLut kLut4of8 = make_nm_lut(false);

inline const NmLut& lut_for(const NmWeight& w) { return w.m == 4 ? kLut2of4 : kLut4of8; }

// Geometry of one weight: values and index bytes per row, whole 16-column units.
struct NmShape {
  int64_t vpr;    // values per row
  int64_t ipr;    // index bytes per row
  int64_t units;  // whole 16-column units per row
  int64_t groups;
};
inline NmShape nm_shape(const NmWeight& w) {
  const int64_t groups = nm_groups_per_row(w.cols, w.m);
  return {groups * w.n, bytes_per_8_columns(w.cols), w.cols / 16, groups};
}

// Lane numbers for the unit's first 8 columns (lanes 0-3) and second 8 columns (lanes 4-7).
struct UnitLanes {
  __m256i lo;
  __m256i hi;
};
inline UnitLanes unit_lanes(const NmLut& lut, const uint8_t* ib, int64_t u) {
  return {_mm256_load_si256(reinterpret_cast<const __m256i*>(lut.lo[ib[2 * u]])),
          _mm256_load_si256(reinterpret_cast<const __m256i*>(lut.hi[ib[2 * u + 1]]))};
}

// The 8 activations of unit u that meet its 8 kept weights.
inline __m256 unit_gather(const float* x, const UnitLanes& lanes, int64_t u) {
  const __m256 a = _mm256_permutevar8x32_ps(_mm256_loadu_ps(x + 16 * u), lanes.lo);
  const __m256 b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(x + 16 * u + 8), lanes.hi);
  return _mm256_blend_ps(a, b, 0xF0);
}

// Column numbers (relative to the unit) of the unit's 8 value slots, for the AXPY decode.
inline __m256i unit_columns(const UnitLanes& lanes) {
  const __m256i eight_hi = _mm256_setr_epi32(0, 0, 0, 0, 8, 8, 8, 8);
  return _mm256_add_epi32(_mm256_blend_epi32(lanes.lo, lanes.hi, 0xF0), eight_hi);
}

// Calls f(column, value_index) for the kept weights of groups [g0, groups) of one row, skipping
// columns at or past cols (padding slots of a partial last group).
template <typename F>
inline void nm_tail_groups(const NmWeight& w, const uint8_t* ib, int64_t v0, int64_t g0, int64_t groups, F&& f) {
  for (int64_t g = g0; g < groups; ++g) {
    const int64_t base = g * w.m;
    if (w.m == 4) {
      for (int t = 0; t < 2; ++t) {
        const int64_t slot = g * 2 + t;
        const int64_t col = base + ((ib[slot >> 2] >> (2 * (slot & 3))) & 3);
        if (col < w.cols) f(col, v0 + slot);
      }
    } else {
      unsigned bits = ib[g];
      for (int t = 0; t < 4 && bits; ++t) {
        const int64_t col = base + __builtin_ctz(bits);
        bits &= bits - 1;
        if (col < w.cols) f(col, v0 + g * 4 + t);
      }
    }
  }
}

// TR weight rows against x, sharing each unit's activation loads; two accumulators per row keep
// the FMA chains short. The rows are `stride` apart (kStreams streams, see sparse_weight_simd.h).
template <SparseValueType V, int TR>
inline void nm_gemv_tile(float* out, const float* x, const NmWeight& w, const NmShape& s, const NmLut& lut, int64_t j0,
                         int64_t stride, const float* bias) {
  const uint8_t* ib[TR];
  int64_t v0[TR];
  __m256 a0[TR], a1[TR];
  for (int r = 0; r < TR; ++r) {
    ib[r] = w.indices + (j0 + r * stride) * s.ipr;
    v0[r] = (j0 + r * stride) * s.vpr;
    a0[r] = a1[r] = _mm256_setzero_ps();
  }
  int64_t u = 0;
  for (; u + 2 <= s.units; u += 2) {
    const __m256 xa = _mm256_loadu_ps(x + 16 * u), xb = _mm256_loadu_ps(x + 16 * u + 8);
    const __m256 xc = _mm256_loadu_ps(x + 16 * u + 16), xd = _mm256_loadu_ps(x + 16 * u + 24);
    for (int r = 0; r < TR; ++r) {
      const UnitLanes l0 = unit_lanes(lut, ib[r], u), l1 = unit_lanes(lut, ib[r], u + 1);
      const __m256 g0 = _mm256_blend_ps(_mm256_permutevar8x32_ps(xa, l0.lo), _mm256_permutevar8x32_ps(xb, l0.hi), 0xF0);
      const __m256 g1 = _mm256_blend_ps(_mm256_permutevar8x32_ps(xc, l1.lo), _mm256_permutevar8x32_ps(xd, l1.hi), 0xF0);
      a0[r] = _mm256_fmadd_ps(g0, load8v<V>(w.values, v0[r] + 8 * u), a0[r]);
      a1[r] = _mm256_fmadd_ps(g1, load8v<V>(w.values, v0[r] + 8 * u + 8), a1[r]);
    }
  }
  if (u < s.units) {
    for (int r = 0; r < TR; ++r)
      a0[r] = _mm256_fmadd_ps(unit_gather(x, unit_lanes(lut, ib[r], u), u), load8v<V>(w.values, v0[r] + 8 * u), a0[r]);
  }
  for (int r = 0; r < TR; ++r) {
    float sum = hsum8(_mm256_add_ps(a0[r], a1[r]));
    nm_tail_groups(w, ib[r], v0[r], s.units * 16 / w.m, s.groups,
                   [&](int64_t col, int64_t vi) { sum += load1v<V>(w.values, vi) * x[col]; });
    const int64_t j = j0 + r * stride;
    out[j] = sum + (bias ? bias[j] : 0.0f);
  }
}

template <SparseValueType V>
void nm_gemv(float* out, const float* x, const NmWeight& w, const float* bias) {
  const NmShape s = nm_shape(w);
  const NmLut& lut = lut_for(w);
  auto body = [&](int64_t r0, int64_t r1) {
    for_each_stream_tile(r0, r1, [&](int64_t j0, int64_t stride, int count) {
      if (count == kStreams) {
        nm_gemv_tile<V, kStreams>(out, x, w, s, lut, j0, stride, bias);
      } else {
        nm_gemv_tile<V, 1>(out, x, w, s, lut, j0, stride, bias);
      }
    });
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

// MT activation rows (2..4) share each unit's decode and value load.
template <SparseValueType V, int MT>
void nm_gemm_permute(float* out, const float* x, const NmWeight& w, const float* bias) {
  const NmShape s = nm_shape(w);
  const NmLut& lut = lut_for(w);
  const int64_t cols = w.cols, rows = w.rows;
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t j = r0; j < r1; ++j) {
      const uint8_t* ib = w.indices + j * s.ipr;
      const int64_t v0 = j * s.vpr;
      __m256 acc[MT];
      for (int i = 0; i < MT; ++i) acc[i] = _mm256_setzero_ps();
      for (int64_t u = 0; u < s.units; ++u) {
        const UnitLanes lanes = unit_lanes(lut, ib, u);
        const __m256 v = load8v<V>(w.values, v0 + 8 * u);
        for (int i = 0; i < MT; ++i) acc[i] = _mm256_fmadd_ps(unit_gather(x + i * cols, lanes, u), v, acc[i]);
      }
      float sum[MT];
      for (int i = 0; i < MT; ++i) sum[i] = hsum8(acc[i]);
      nm_tail_groups(w, ib, v0, s.units * 16 / w.m, s.groups, [&](int64_t col, int64_t vi) {
        const float v = load1v<V>(w.values, vi);
        for (int i = 0; i < MT; ++i) sum[i] += v * x[i * cols + col];
      });
      const float b = bias ? bias[j] : 0.0f;
      for (int i = 0; i < MT; ++i) out[i * rows + j] = sum[i] + b;
    }
  };
  sieve::detail::parallel_for_each(rows, row_grain(cols), body);
}

template <SparseValueType V>
void nm_gemm_axpy(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  const NmShape s = nm_shape(w);
  const NmLut& lut = lut_for(w);
  auto decode = [&](int64_t j, int32_t* offs, float* vals) -> int64_t {
    const uint8_t* ib = w.indices + j * s.ipr;
    const int64_t v0 = j * s.vpr;
    int64_t n = 0;
    for (int64_t u = 0; u < s.units; ++u, n += 8) {
      const __m256i col = _mm256_add_epi32(unit_columns(unit_lanes(lut, ib, u)), _mm256_set1_epi32(static_cast<int32_t>(16 * u)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(offs + n), _mm256_slli_epi32(col, 4));
      _mm256_storeu_ps(vals + n, load8v<V>(w.values, v0 + 8 * u));
    }
    nm_tail_groups(w, ib, v0, s.units * 16 / w.m, s.groups, [&](int64_t col, int64_t vi) {
      offs[n] = static_cast<int32_t>(col * kAxpyTile);
      vals[n++] = load1v<V>(w.values, vi);
    });
    return n;
  };
  axpy_gemm(out, x, batch, w.rows, w.cols, bias, decode);
}

template <SparseValueType V>
void nm_linear_typed(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  switch (batch) {
    case 1: return nm_gemv<V>(out, x, w, bias);
    case 2: return nm_gemm_permute<V, 2>(out, x, w, bias);
    case 3: return nm_gemm_permute<V, 3>(out, x, w, bias);
    case 4: return nm_gemm_permute<V, 4>(out, x, w, bias);
    default: return nm_gemm_axpy<V>(out, x, batch, w, bias);
  }
}

}  // namespace

void nm_linear(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  if (batch <= 0 || w.rows <= 0 || !nm_supported(w.n, w.m)) return;
  if (w.cols <= 0) {
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < w.rows; ++j) out[i * w.rows + j] = bias ? bias[j] : 0.0f;
    return;
  }
  if (w.vdt == SparseValueType::F16) return nm_linear_typed<SparseValueType::F16>(out, x, batch, w, bias);
  nm_linear_typed<SparseValueType::F32>(out, x, batch, w, bias);
}

}  // namespace sieve::cpu::avx2
