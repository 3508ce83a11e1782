// AVX2 N:M kernels (2:4 and 4:8): out[batch, rows] = x · W^T + bias with W compressed as
// documented in sieve/sparse_weight_kernels.h.
//
// Both patterns spend one index byte per 8 columns and hold 4 kept values per 8 columns, so one
// kernel serves both; only the way an index turns into lane numbers differs. Per 16 columns (one
// "unit": 2 index bytes, 8 values) the 8 activations that meet the 8 kept weights are picked with
// in-lane permutes (vpermilps), not lane-crossing ones (vpermps, which Intel runs on one port
// only, shared with the F16C widen), and 2:4 needs no table load at all. Measured against the
// former vpermps + lookup-table decode: the same batch-1 speed (both near the read bandwidth),
// 1.3-1.6x faster with 2-4 activation rows, where the decode is paid per row. For that, x is
// rearranged once per call per 16 columns into
//   A = [x0..x3 | x8..x11]   B = [x4..x7 | x12..x15]
// so that each 128-bit half of A or B holds one group of 4 columns the half's lanes may need:
//   2:4  slots 0,1 | 4,5 come from groups 0 | 2 (A), slots 2,3 | 6,7 from groups 1 | 3 (B): one
//        index vector (the 2-bit positions, shifted into lanes by vpsrlvd; vpermilps reads only
//        the low 2 bits) serves both permutes, and a constant blend takes lanes from each;
//   4:8  slots 0-3 | 4-7 come from columns 0-7 | 8-15: position p is A[p] for p < 4, B[p - 4]
//        otherwise, so the table entry holds p & 3 and a sign bit for "B", and blendv chooses.
// Columns past the last whole unit (cols % 16) take a scalar path that checks each column.
//
//   batch = 1       GEMV: tiles of 4 rows from separate parts of the range (4 memory streams),
//                   each stream prefetched ahead
//   batch = 2..8    per weight row, the activation rows share each unit's decode and value load
//                   (accumulators per row in registers): the packed weight is read once
//   batch > 8       the AXPY kernel over transposed activations (sparse_weight_axpy.h)
#include <cstring>

#include "cpu/avx2/sparse_weight_axpy.h"
#include "cpu/avx2/sparse_weight_simd.h"
#include "cpu/parallel.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// For the AXPY decode (batch > 8): lane numbers of the 4 kept values an index byte describes, in
// two tables so that a 16-column unit needs no lane insert: `lo` puts them in lanes 0-3 (for the unit's first 8 columns), `hi`
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

// ---- the in-lane unit decode ---------------------------------------------------------------------

// x rearranged per whole unit into A, B (see the top of the file), for `rows` activation rows.
inline const float* swizzled_x(const float* x, int64_t rows, int64_t cols, int64_t units) {
  static thread_local SwScratch buffer;
  auto* xs = static_cast<float*>(buffer.get(static_cast<size_t>(sw_max(1, rows * units * 16)) * sizeof(float)));
  for (int64_t i = 0; i < rows; ++i) {
    const float* xi = x + i * cols;
    float* d = xs + i * units * 16;
    for (int64_t u = 0; u < units; ++u) {
      const __m256 a = _mm256_loadu_ps(xi + 16 * u), b = _mm256_loadu_ps(xi + 16 * u + 8);
      _mm256_store_ps(d + 16 * u, _mm256_permute2f128_ps(a, b, 0x20));
      _mm256_store_ps(d + 16 * u + 8, _mm256_permute2f128_ps(a, b, 0x31));
    }
  }
  return xs;
}

// 4:8 table: for index byte b, its (up to) 4 set bit positions p as (p & 3) | (p >= 4 ? sign : 0);
// missing values (stored as 0) take lane 0. 4 KB, L1-resident.
struct Nm48Lanes {
  alignas(16) int32_t lanes[256][4];
};
constexpr Nm48Lanes make_nm48_lanes() {
  Nm48Lanes t{};
  for (int b = 0; b < 256; ++b) {
    int n = 0;
    for (int p = 0; p < 8 && n < 4; ++p) {
      if ((b >> p) & 1) t.lanes[b][n++] = (p & 3) | (p >= 4 ? static_cast<int32_t>(0x80000000u) : 0);
    }
  }
  return t;
}
constexpr Nm48Lanes kNm48Lanes = make_nm48_lanes();

// Index vectors of units u and u + 1 (both whole). 2:4 reads their 4 index bytes as one word.
template <bool K24>
inline void pair_index(const uint8_t* ib, int64_t u, __m256i& i0, __m256i& i1) {
  if constexpr (K24) {
    int32_t word;
    std::memcpy(&word, ib + 2 * u, 4);
    const __m256i all = _mm256_set1_epi32(word);
    i0 = _mm256_srlv_epi32(all, _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
    i1 = _mm256_srlv_epi32(all, _mm256_setr_epi32(16, 18, 20, 22, 24, 26, 28, 30));
  } else {
    const auto entry = [](unsigned b) { return _mm_load_si128(reinterpret_cast<const __m128i*>(kNm48Lanes.lanes[b])); };
    i0 = _mm256_inserti128_si256(_mm256_castsi128_si256(entry(ib[2 * u])), entry(ib[2 * u + 1]), 1);
    i1 = _mm256_inserti128_si256(_mm256_castsi128_si256(entry(ib[2 * u + 2])), entry(ib[2 * u + 3]), 1);
  }
}

// Index vector of a single whole unit u (the odd last one).
template <bool K24>
inline __m256i unit_index(const uint8_t* ib, int64_t u) {
  if constexpr (K24) {
    const int32_t word = ib[2 * u] | (ib[2 * u + 1] << 8);
    return _mm256_srlv_epi32(_mm256_set1_epi32(word), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
  } else {
    const auto entry = [](unsigned b) { return _mm_load_si128(reinterpret_cast<const __m128i*>(kNm48Lanes.lanes[b])); };
    return _mm256_inserti128_si256(_mm256_castsi128_si256(entry(ib[2 * u])), entry(ib[2 * u + 1]), 1);
  }
}

// The 8 activations of a unit (A, B from swizzled_x) that meet its 8 kept weights.
template <bool K24>
inline __m256 unit_pick(__m256 a, __m256 b, __m256i idx) {
  const __m256 p = _mm256_permutevar_ps(a, idx), q = _mm256_permutevar_ps(b, idx);
  if constexpr (K24) {
    return _mm256_blend_ps(p, q, 0xCC);
  } else {
    return _mm256_blendv_ps(p, q, _mm256_castsi256_ps(idx));
  }
}

template <SparseValueType V>
constexpr int64_t value_bytes() {
  return V == SparseValueType::F32 ? 4 : 2;
}

// ---- batch 1 -----------------------------------------------------------------------------------

// TR weight rows against x, sharing each unit's activation loads; two accumulators per row keep
// the FMA chains short. The rows are `stride` apart (kStreams streams, see sparse_weight_simd.h);
// each stream of values and of index bytes is prefetched kPrefetchBytes ahead of its own reads.
template <SparseValueType V, bool K24, int TR>
inline void nm_gemv_tile(float* out, const float* x, const float* xs, const NmWeight& w, const NmShape& s, int64_t j0,
                         int64_t stride, const float* bias) {
  constexpr int64_t vb = value_bytes<V>();
  const uint8_t* ib[TR];
  const char* vp[TR];
  __m256 a0[TR], a1[TR];
  for (int r = 0; r < TR; ++r) {
    ib[r] = w.indices + (j0 + r * stride) * s.ipr;
    vp[r] = static_cast<const char*>(w.values) + (j0 + r * stride) * s.vpr * vb;
    a0[r] = a1[r] = _mm256_setzero_ps();
  }
  int64_t u = 0;
  for (; u + 2 <= s.units; u += 2) {
    const __m256 xa0 = _mm256_load_ps(xs + 16 * u), xb0 = _mm256_load_ps(xs + 16 * u + 8);
    const __m256 xa1 = _mm256_load_ps(xs + 16 * u + 16), xb1 = _mm256_load_ps(xs + 16 * u + 24);
    for (int r = 0; r < TR; ++r) {
      // Two units read 16 values (32 or 64 bytes) and 4 index bytes: one prefetch each per step
      // covers every line of the value stream; the index stream needs one per 16 steps.
      prefetch_at(vp[r] + 8 * u * vb, kPrefetchBytes);
      if ((u & 31) == 0) prefetch_at(ib[r] + 2 * u, kPrefetchBytes / 4);
      __m256i i0, i1;
      pair_index<K24>(ib[r], u, i0, i1);
      a0[r] = _mm256_fmadd_ps(unit_pick<K24>(xa0, xb0, i0), load8v<V>(vp[r], 8 * u), a0[r]);
      a1[r] = _mm256_fmadd_ps(unit_pick<K24>(xa1, xb1, i1), load8v<V>(vp[r], 8 * u + 8), a1[r]);
    }
  }
  if (u < s.units) {
    const __m256 xa = _mm256_load_ps(xs + 16 * u), xb = _mm256_load_ps(xs + 16 * u + 8);
    for (int r = 0; r < TR; ++r) {
      a0[r] = _mm256_fmadd_ps(unit_pick<K24>(xa, xb, unit_index<K24>(ib[r], u)), load8v<V>(vp[r], 8 * u), a0[r]);
    }
  }
  for (int r = 0; r < TR; ++r) {
    const int64_t j = j0 + r * stride;
    float sum = hsum8(_mm256_add_ps(a0[r], a1[r]));
    nm_tail_groups(w, ib[r], j * s.vpr, s.units * 16 / w.m, s.groups,
                   [&](int64_t col, int64_t vi) { sum += load1v<V>(w.values, vi) * x[col]; });
    out[j] = sum + (bias ? bias[j] : 0.0f);
  }
}

template <SparseValueType V, bool K24>
void nm_gemv(float* out, const float* x, const NmWeight& w, const float* bias) {
  const NmShape s = nm_shape(w);
  const float* xs = swizzled_x(x, 1, w.cols, s.units);
  auto body = [&](int64_t r0, int64_t r1) {
    for_each_stream_tile(r0, r1, [&](int64_t j0, int64_t stride, int count) {
      if (count == kStreams) {
        nm_gemv_tile<V, K24, kStreams>(out, x, xs, w, s, j0, stride, bias);
      } else {
        nm_gemv_tile<V, K24, 1>(out, x, xs, w, s, j0, stride, bias);
      }
    });
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

// ---- batch > 1 ---------------------------------------------------------------------------------

// Weight row j against MT activation rows (first_row ..): the rows share each unit's index decode
// and value load. Up to 4 rows, two accumulators per row (the units of a pair alternate) keep the
// FMA chains from limiting; above, the rows themselves supply the independent chains.
template <SparseValueType V, bool K24, int MT>
inline void nm_row_block(float* out, const float* x, const float* xs, const NmWeight& w, const NmShape& s, int64_t j,
                         int64_t first_row, const float* bias) {
  constexpr int kAcc = MT <= 4 ? 2 : 1;
  constexpr int64_t vb = value_bytes<V>();
  const int64_t xstride = s.units * 16;
  const uint8_t* ib = w.indices + j * s.ipr;
  const char* vp = static_cast<const char*>(w.values) + j * s.vpr * vb;
  const float* xb = xs + first_row * xstride;
  __m256 acc[MT][kAcc];
  for (int i = 0; i < MT; ++i)
    for (int k = 0; k < kAcc; ++k) acc[i][k] = _mm256_setzero_ps();
  int64_t u = 0;
  for (; u + 2 <= s.units; u += 2) {
    prefetch_at(vp + 8 * u * vb, kPrefetchBytes);
    if ((u & 31) == 0) prefetch_at(ib + 2 * u, kPrefetchBytes / 4);
    __m256i i0, i1;
    pair_index<K24>(ib, u, i0, i1);
    const __m256 v0 = load8v<V>(vp, 8 * u), v1 = load8v<V>(vp, 8 * u + 8);
    for (int i = 0; i < MT; ++i) {
      const float* xi = xb + i * xstride + 16 * u;
      acc[i][0] = _mm256_fmadd_ps(unit_pick<K24>(_mm256_load_ps(xi), _mm256_load_ps(xi + 8), i0), v0, acc[i][0]);
      acc[i][kAcc - 1] = _mm256_fmadd_ps(unit_pick<K24>(_mm256_load_ps(xi + 16), _mm256_load_ps(xi + 24), i1), v1, acc[i][kAcc - 1]);
    }
  }
  if (u < s.units) {
    const __m256i i0 = unit_index<K24>(ib, u);
    const __m256 v0 = load8v<V>(vp, 8 * u);
    for (int i = 0; i < MT; ++i) {
      const float* xi = xb + i * xstride + 16 * u;
      acc[i][0] = _mm256_fmadd_ps(unit_pick<K24>(_mm256_load_ps(xi), _mm256_load_ps(xi + 8), i0), v0, acc[i][0]);
    }
  }
  float sum[MT];
  for (int i = 0; i < MT; ++i) sum[i] = hsum8(kAcc == 2 ? _mm256_add_ps(acc[i][0], acc[i][kAcc - 1]) : acc[i][0]);
  const float* xr = x + first_row * w.cols;
  nm_tail_groups(w, ib, j * s.vpr, s.units * 16 / w.m, s.groups, [&](int64_t col, int64_t vi) {
    const float v = load1v<V>(w.values, vi);
    for (int i = 0; i < MT; ++i) sum[i] += v * xr[i * w.cols + col];
  });
  const float b = bias ? bias[j] : 0.0f;
  for (int i = 0; i < MT; ++i) out[(first_row + i) * w.rows + j] = sum[i] + b;
}

// Each weight row against every activation row, in blocks of up to 8 rows (one block for the
// batches it is used for, see kNmRowsMax; larger batches would read the packed row from L1 for
// the later blocks).
template <SparseValueType V, bool K24>
void nm_gemm_rows(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  const NmShape s = nm_shape(w);
  const float* xs = swizzled_x(x, batch, w.cols, s.units);
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t j = r0; j < r1; ++j) {
      for (int64_t i = 0; i < batch; i += 8) {
        switch (sw_min(8, batch - i)) {
          case 1: nm_row_block<V, K24, 1>(out, x, xs, w, s, j, i, bias); break;
          case 2: nm_row_block<V, K24, 2>(out, x, xs, w, s, j, i, bias); break;
          case 3: nm_row_block<V, K24, 3>(out, x, xs, w, s, j, i, bias); break;
          case 4: nm_row_block<V, K24, 4>(out, x, xs, w, s, j, i, bias); break;
          case 5: nm_row_block<V, K24, 5>(out, x, xs, w, s, j, i, bias); break;
          case 6: nm_row_block<V, K24, 6>(out, x, xs, w, s, j, i, bias); break;
          case 7: nm_row_block<V, K24, 7>(out, x, xs, w, s, j, i, bias); break;
          default: nm_row_block<V, K24, 8>(out, x, xs, w, s, j, i, bias); break;
        }
      }
    }
  };
  sieve::detail::parallel_for_each(w.rows, row_grain(w.cols), body);
}

// ---- batch > 8 ---------------------------------------------------------------------------------

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

// Largest batch of the rows kernel: above it the AXPY kernel reads the weight at a better rate
// (measured on 2048x2048 f16, weights streamed from memory: rows kernel 1.4x the AXPY at 8 rows,
// 0.88x at 16).
constexpr int64_t kNmRowsMax = 8;

template <SparseValueType V, bool K24>
void nm_linear_pattern(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  if (batch == 1) return nm_gemv<V, K24>(out, x, w, bias);
  if (batch <= kNmRowsMax) return nm_gemm_rows<V, K24>(out, x, batch, w, bias);
  nm_gemm_axpy<V>(out, x, batch, w, bias);
}

template <SparseValueType V>
void nm_linear_typed(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  if (w.m == 4) return nm_linear_pattern<V, true>(out, x, batch, w, bias);
  nm_linear_pattern<V, false>(out, x, batch, w, bias);
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
