// Tiled causal attention for prefill blocks (flash-attention style), AVX2 + FMA.
//
// A unit is a block of consecutive batch tokens of one sequence and one KV head; its rows are
// (token, selected query head of that KV head). The keys 0..(the block's last position) are walked
// in tiles of kKeyTile positions gathered from the pages (holes skipped), and per tile:
//   1. the keys are transposed (8x8 blocks in registers) into Kt [headDim][kKeyTile], so S = Q Kt
//      is a small GEMM whose micro-kernel (6 rows x 16 keys, 12 accumulators) broadcasts one
//      query element and FMAs it with two key vectors: no horizontal sums, and every key load
//      serves 6 rows;
//   2. causal mask and online softmax per row: keys past a row's position get weight 0; the
//      running max moves, and the factor that rescales the row's output is kept for step 3;
//   3. O = alpha O + P V with a 6 rows x 16 columns micro-kernel over the tile's value rows (read
//      in place from the pool), so each value load also serves 6 rows.
// The queries are scaled once up front, so the scores come out scaled.
#include <immintrin.h>

#include "cpu/attention_plan.h"
#include "cpu/avx2/attention_units.h"
#include "cpu/avx2/vec_math.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2::attn {
namespace {

constexpr int kRows = 6;  // rows per micro-kernel call

int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// S[r][16h .. 16h+16) = Q[r] . Kt[:, 16h ..] for RR rows and `halves` 16-key halves.
template <int RR>
void scores_block(float* s, const float* q, int64_t hd, const float* kt, int64_t halves) {
  for (int64_t h = 0; h < halves; ++h) {
    __m256 acc[RR][2];
#pragma GCC unroll 8
    for (int r = 0; r < RR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    const float* k = kt + h * 16;
    for (int64_t d = 0; d < hd; ++d) {
      const __m256 k0 = _mm256_loadu_ps(k + d * kKeyTile), k1 = _mm256_loadu_ps(k + d * kKeyTile + 8);
#pragma GCC unroll 8
      for (int r = 0; r < RR; ++r) {
        const __m256 qv = _mm256_broadcast_ss(q + r * hd + d);
        acc[r][0] = _mm256_fmadd_ps(qv, k0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(qv, k1, acc[r][1]);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < RR; ++r) {
      _mm256_storeu_ps(s + r * kKeyTile + h * 16, acc[r][0]);
      _mm256_storeu_ps(s + r * kKeyTile + h * 16 + 8, acc[r][1]);
    }
  }
}

// O[r][c .. c + 8 NV) = alpha[r] O[r][c ..] + sum_j P[r][j] V_j[c ..] for RR rows; with TAIL the
// last vector is masked (the head dimension is not a multiple of 8). The loops over rows and
// vectors are unrolled explicitly: without that GCC kept the accumulators on the stack.
template <int RR, int NV, bool TAIL>
void values_block(float* o, int64_t hd, const float* alpha, const float* pr, const float* const* vrows, int64_t nk,
                  int64_t c, __m256i tail) {
  __m256 acc[RR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < RR; ++r) {
    const __m256 a = _mm256_broadcast_ss(alpha + r);
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const float* src = o + r * hd + c + 8 * v;
      acc[r][v] = _mm256_mul_ps(a, (TAIL && v == NV - 1) ? vec::load_tail(src, tail) : _mm256_loadu_ps(src));
    }
  }
  for (int64_t j = 0; j < nk; ++j) {
    const float* vj = vrows[j] + c;
    __m256 vv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) vv[v] = (TAIL && v == NV - 1) ? vec::load_tail(vj + 8 * v, tail) : _mm256_loadu_ps(vj + 8 * v);
    const float* pj = pr + j;
#pragma GCC unroll 8
    for (int r = 0; r < RR; ++r) {
      const __m256 w = _mm256_broadcast_ss(pj + r * kKeyTile);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(w, vv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < RR; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      float* dst = o + r * hd + c + 8 * v;
      if (TAIL && v == NV - 1) {
        vec::store_tail(dst, tail, acc[r][v]);
      } else {
        _mm256_storeu_ps(dst, acc[r][v]);
      }
    }
  }
}

// All column blocks of RR rows: 16 columns at a time, then 8, then a masked rest.
template <int RR>
void values_rows(float* o, int64_t hd, const float* alpha, const float* pr, const float* const* vrows, int64_t nk) {
  int64_t c = 0;
  for (; c + 16 <= hd; c += 16) values_block<RR, 2, false>(o, hd, alpha, pr, vrows, nk, c, __m256i{});
  if (c + 8 <= hd) {
    values_block<RR, 1, false>(o, hd, alpha, pr, vrows, nk, c, __m256i{});
    c += 8;
  }
  if (c < hd) values_block<RR, 1, true>(o, hd, alpha, pr, vrows, nk, c, vec::tail_mask(hd - c));
}

void scores_rows(int rr, float* s, const float* q, int64_t hd, const float* kt, int64_t halves) {
  switch (rr) {
    case 6: return scores_block<6>(s, q, hd, kt, halves);
    case 5: return scores_block<5>(s, q, hd, kt, halves);
    case 4: return scores_block<4>(s, q, hd, kt, halves);
    case 3: return scores_block<3>(s, q, hd, kt, halves);
    case 2: return scores_block<2>(s, q, hd, kt, halves);
    default: return scores_block<1>(s, q, hd, kt, halves);
  }
}

void values_rows_any(int rr, float* o, int64_t hd, const float* alpha, const float* pr, const float* const* vrows,
                     int64_t nk) {
  switch (rr) {
    case 6: return values_rows<6>(o, hd, alpha, pr, vrows, nk);
    case 5: return values_rows<5>(o, hd, alpha, pr, vrows, nk);
    case 4: return values_rows<4>(o, hd, alpha, pr, vrows, nk);
    case 3: return values_rows<3>(o, hd, alpha, pr, vrows, nk);
    case 2: return values_rows<2>(o, hd, alpha, pr, vrows, nk);
    default: return values_rows<1>(o, hd, alpha, pr, vrows, nk);
  }
}

// Row r's scores s[0 .. nk): keys j < nv are visible. Updates the running max m and sum l, turns
// s into the weights P (0 past nv) and returns the factor that rescales the row's output.
float softmax_row(float* s, int64_t nk, int64_t nv, float& m, float& l) {
  if (nv == 0) {  // every key of this tile is in the row's future
    for (int64_t j = 0; j < nk; ++j) s[j] = 0.0f;
    return 1.0f;
  }
  __m256 mx = _mm256_set1_ps(-__builtin_inff());
  int64_t j = 0;
  for (; j + 8 <= nv; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(s + j));
  float tile_max = vec::hmax(mx);
  for (; j < nv; ++j) tile_max = s[j] > tile_max ? s[j] : tile_max;
  const float new_max = tile_max > m ? tile_max : m;
  const __m256 shift = _mm256_set1_ps(new_max);
  __m256 sum = _mm256_setzero_ps();
  for (j = 0; j + 8 <= nv; j += 8) {
    const __m256 e = vec::exp(_mm256_sub_ps(_mm256_loadu_ps(s + j), shift));
    _mm256_storeu_ps(s + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  if (j < nv) {
    const __m256i mask = vec::tail_mask(nv - j);
    const __m256 e = _mm256_and_ps(vec::exp(_mm256_sub_ps(vec::load_tail(s + j, mask), shift)), _mm256_castsi256_ps(mask));
    _mm256_storeu_ps(s + j, e);  // zeros past nv within this vector (s has kKeyTile columns)
    sum = _mm256_add_ps(sum, e);
    j += 8;
  }
  for (; j < nk; ++j) s[j] = 0.0f;
  const float alpha = vec::exp(_mm256_set1_ps(m - new_max))[0];
  l = l * alpha + vec::hsum(sum);
  m = new_max;
  return alpha;
}

// Kt[d][col + i] = krows[i][d] for 8 key rows and all d: 8x8 blocks transposed in registers,
// the last hd % 8 dimensions one by one.
void transpose8(float* kt, int64_t col, const float* const* krows, int64_t hd) {
  int64_t d = 0;
  for (; d + 8 <= hd; d += 8) {
    const __m256 r0 = _mm256_loadu_ps(krows[0] + d), r1 = _mm256_loadu_ps(krows[1] + d);
    const __m256 r2 = _mm256_loadu_ps(krows[2] + d), r3 = _mm256_loadu_ps(krows[3] + d);
    const __m256 r4 = _mm256_loadu_ps(krows[4] + d), r5 = _mm256_loadu_ps(krows[5] + d);
    const __m256 r6 = _mm256_loadu_ps(krows[6] + d), r7 = _mm256_loadu_ps(krows[7] + d);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    float* dst = kt + d * kKeyTile + col;
    _mm256_storeu_ps(dst + 0 * kKeyTile, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + 1 * kKeyTile, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * kKeyTile, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * kKeyTile, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * kKeyTile, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * kKeyTile, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * kKeyTile, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * kKeyTile, _mm256_permute2f128_ps(u3, u7, 0x31));
  }
  for (; d < hd; ++d) {
    for (int i = 0; i < 8; ++i) kt[d * kKeyTile + col + i] = krows[i][d];
  }
}

}  // namespace

// Q, O [rows, headDim]; S [rows, kKeyTile]; Kt [headDim, kKeyTile]; max, sum, alpha, pos [rows];
// the tile's key positions and key- and value-row pointers [kKeyTile] (pointers count as 2 floats).
int64_t tiled_scratch_floats(const PagedAttentionParams& p, int64_t max_block_tokens) {
  const int64_t rows = max_block_tokens * (p.n_heads / p.n_kv_heads);
  return rows * (2 * p.head_dim + kKeyTile + 4) + p.head_dim * kKeyTile + 6 * kKeyTile + 16;
}

void run_tiled_unit(const PagedAttentionParams& p, const detail::HeadSelection& sel, const detail::AttentionUnit& u,
                    float* scratch) {
  const int64_t hd = p.head_dim;
  const int64_t ps = p.page_size;
  const int64_t kv_row = p.n_kv_heads * hd;
  const int64_t kvh = u.kv_begin;
  const int32_t* heads = sel.ids + sel.begin[kvh];
  const int64_t ng = sel.begin[kvh + 1] - sel.begin[kvh];
  const int64_t ntok = u.tok_end - u.tok_begin;
  const int64_t rows = ntok * ng;
  const int32_t* pages = p.block_table + static_cast<int64_t>(p.token_seq[u.tok_begin]) * p.max_pages_per_seq;

  float* q = scratch;
  float* o = q + rows * hd;
  float* s = o + rows * hd;
  float* kt = s + rows * kKeyTile;
  float* m = kt + hd * kKeyTile;
  float* l = m + rows;
  float* alpha = l + rows;
  int32_t* pos = reinterpret_cast<int32_t*>(alpha + rows);
  int32_t* kpos = pos + rows;
  // 8-byte aligned spot for the row pointers (the float offsets above may be odd).
  const float** vrows = reinterpret_cast<const float**>((reinterpret_cast<uintptr_t>(kpos + kKeyTile) + 7) & ~uintptr_t{7});
  const float** krows = vrows + kKeyTile;

  int64_t max_pos = 0;
  const __m256 scale = _mm256_set1_ps(p.scale);
  for (int64_t i = 0; i < ntok; ++i) {
    const int64_t t = u.tok_begin + i;
    max_pos = p.token_pos[t] > max_pos ? p.token_pos[t] : max_pos;
    for (int64_t g = 0; g < ng; ++g) {
      const int64_t r = i * ng + g;
      const float* src = p.q + (t * p.n_heads + heads[g]) * hd;
      float* dst = q + r * hd;
      int64_t d = 0;
      for (; d + 8 <= hd; d += 8) _mm256_storeu_ps(dst + d, _mm256_mul_ps(scale, _mm256_loadu_ps(src + d)));
      for (; d < hd; ++d) dst[d] = src[d] * p.scale;
      for (d = 0; d < hd; ++d) o[r * hd + d] = 0.0f;
      m[r] = -__builtin_inff();
      l[r] = 0.0f;
      pos[r] = p.token_pos[t];
    }
  }

  for (int64_t j = 0; j <= max_pos;) {
    // Gather the next tile: up to kKeyTile visible positions, skipping holes.
    int64_t nk = 0;
    while (nk < kKeyTile && j <= max_pos) {
      const int64_t page = j / ps;
      if (pages[page] < 0) {
        j = (page + 1) * ps;
        continue;
      }
      const int64_t page_stop = (page + 1) * ps < max_pos + 1 ? (page + 1) * ps : max_pos + 1;
      const int64_t page_slot0 = static_cast<int64_t>(pages[page]) * ps - page * ps;  // slot = page_slot0 + j
      for (; j < page_stop && nk < kKeyTile; ++j, ++nk) {
        const int64_t off = (page_slot0 + j) * kv_row + kvh * hd;
        krows[nk] = p.k_pool + off;
        vrows[nk] = p.v_pool + off;
        kpos[nk] = static_cast<int32_t>(j);
      }
    }
    if (nk == 0) break;
    // Kt = the tile's keys transposed, zero past nk up to a multiple of 16 (the scores kernel's width).
    int64_t col = 0;
    for (; col + 8 <= nk; col += 8) transpose8(kt, col, krows + col, hd);
    for (; col < nk; ++col) {
      for (int64_t d = 0; d < hd; ++d) kt[d * kKeyTile + col] = krows[col][d];
    }
    const int64_t padded = round_up(nk, 16);
    for (int64_t d = 0; d < hd; ++d) {
      for (int64_t c = nk; c < padded; ++c) kt[d * kKeyTile + c] = 0.0f;
    }

    for (int64_t r = 0; r < rows; r += kRows) {
      const int rr = static_cast<int>(rows - r < kRows ? rows - r : kRows);
      scores_rows(rr, s + r * kKeyTile, q + r * hd, hd, kt, padded / 16);
    }
    const int64_t last = kpos[nk - 1];
    for (int64_t r = 0; r < rows; ++r) {
      int64_t nv = nk;
      if (last > pos[r]) {
        while (nv > 0 && kpos[nv - 1] > pos[r]) --nv;
      }
      alpha[r] = softmax_row(s + r * kKeyTile, nk, nv, m[r], l[r]);
    }
    for (int64_t r = 0; r < rows; r += kRows) {
      const int rr = static_cast<int>(rows - r < kRows ? rows - r : kRows);
      values_rows_any(rr, o + r * hd, hd, alpha + r, s + r * kKeyTile, vrows, nk);
    }
  }

  for (int64_t i = 0; i < ntok; ++i) {
    const int64_t t = u.tok_begin + i;
    for (int64_t g = 0; g < ng; ++g) {
      const int64_t r = i * ng + g;
      const __m256 inv = _mm256_set1_ps(1.0f / l[r]);
      const float* src = o + r * hd;
      float* dst = p.out + (t * p.n_heads + heads[g]) * hd;
      int64_t d = 0;
      for (; d + 8 <= hd; d += 8) _mm256_storeu_ps(dst + d, _mm256_mul_ps(inv, _mm256_loadu_ps(src + d)));
      for (; d < hd; ++d) dst[d] = src[d] * (1.0f / l[r]);
    }
  }
}

}  // namespace sieve::cpu::avx2::attn
