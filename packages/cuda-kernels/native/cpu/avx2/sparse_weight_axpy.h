// The batch > 1 kernel shared by every pruned-weight format (AVX2, only for files under avx2/).
//
// Why AXPY: with several activation rows, the natural SIMD axis is the batch, not the row of W.
// The activations are transposed once per call into tiles xt[c][16] (16 batch rows per tile,
// zero-padded), and each kept weight (c, v) of W row j adds v * xt[c][0:16] to that row's 16
// outputs: one broadcast and two FMAs per weight per tile, whatever the sparsity pattern. Each
// weight row is decoded once into (offset, value) pairs that stay in L1 while every tile goes by,
// so the compressed weight is read from memory exactly once for the whole batch.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <new>

#include "cpu/avx2/sparse_weight_simd.h"
#include "cpu/parallel.h"

namespace sieve::cpu::avx2 {
namespace {

constexpr int64_t kAxpyTile = 16;  // activation rows per tile: two ymm accumulators

// A per-thread buffer reused across calls: batched decode calls this hundreds of times per step,
// and a fresh allocation of this size would be a fresh mmap (page faults) every time.
struct SwScratch {
  void* p = nullptr;
  size_t cap = 0;
  ~SwScratch() { std::free(p); }
  void* get(size_t bytes) {
    if (bytes > cap) {
      std::free(p);
      const size_t rounded = (bytes + 63) & ~size_t{63};
      p = std::aligned_alloc(64, rounded);
      cap = p ? rounded : 0;
      if (!p) throw std::bad_alloc();
    }
    return p;
  }
};

// xt[(t * cols + c) * 16 + i] = x[(16 t + i) * cols + c], zero where 16 t + i >= batch.
inline void transpose_tiles(float* xt, const float* x, int64_t batch, int64_t cols) {
  const int64_t tiles = (batch + kAxpyTile - 1) / kAxpyTile;
  for (int64_t t = 0; t < tiles; ++t) {
    float* tile = xt + t * cols * kAxpyTile;
    for (int64_t i = 0; i < kAxpyTile; ++i) {
      const int64_t row = t * kAxpyTile + i;
      if (row < batch) {
        const float* xr = x + row * cols;
        for (int64_t c = 0; c < cols; ++c) tile[c * kAxpyTile + i] = xr[c];
      } else {
        for (int64_t c = 0; c < cols; ++c) tile[c * kAxpyTile + i] = 0.0f;
      }
    }
  }
}

// res[0:8*H] = sum over pairs q of vals[q] * tile[offs[q] : offs[q] + 8*H]. Four independent
// accumulator sets hide the FMA latency (one FMA per weight per half-tile otherwise chains).
template <int H>
inline void axpy_tile(float* res, const float* tile, const int32_t* offs, const float* vals, int64_t count) {
  __m256 a[4][H];
  for (int u = 0; u < 4; ++u)
    for (int h = 0; h < H; ++h) a[u][h] = _mm256_setzero_ps();
  int64_t q = 0;
  for (; q + 4 <= count; q += 4) {
    for (int u = 0; u < 4; ++u) {
      const __m256 v = _mm256_broadcast_ss(vals + q + u);
      const float* p = tile + offs[q + u];
      for (int h = 0; h < H; ++h) a[u][h] = _mm256_fmadd_ps(v, _mm256_load_ps(p + 8 * h), a[u][h]);
    }
  }
  for (; q < count; ++q) {
    const __m256 v = _mm256_broadcast_ss(vals + q);
    const float* p = tile + offs[q];
    for (int h = 0; h < H; ++h) a[0][h] = _mm256_fmadd_ps(v, _mm256_load_ps(p + 8 * h), a[0][h]);
  }
  for (int h = 0; h < H; ++h) {
    const __m256 s = _mm256_add_ps(_mm256_add_ps(a[0][h], a[1][h]), _mm256_add_ps(a[2][h], a[3][h]));
    _mm256_storeu_ps(res + 8 * h, s);
  }
}

// out[batch, rows] = x · W^T + bias for a format given by `decode(j, offs, vals) -> count`, which
// writes row j's kept weights as offs = column * 16 (a float offset into a tile) and f32 values.
// decode may write up to 16 entries past its count (vector stores); buffers leave room for it.
template <typename Decode>
void axpy_gemm(float* out, const float* x, int64_t batch, int64_t rows, int64_t cols, const float* bias,
               Decode& decode) {
  const int64_t tiles = (batch + kAxpyTile - 1) / kAxpyTile;
  static thread_local SwScratch xt_buffer;
  float* xt = static_cast<float*>(xt_buffer.get(static_cast<size_t>(tiles * cols * kAxpyTile) * sizeof(float)));
  transpose_tiles(xt, x, batch, cols);

  auto body = [&](int64_t r0, int64_t r1) {
    static thread_local SwScratch offs_buffer, vals_buffer;
    const size_t capacity = static_cast<size_t>(cols + 2 * kAxpyTile);
    auto* offs = static_cast<int32_t*>(offs_buffer.get(capacity * sizeof(int32_t)));
    auto* vals = static_cast<float*>(vals_buffer.get(capacity * sizeof(float)));
    alignas(32) float res[kAxpyTile];
    for (int64_t j = r0; j < r1; ++j) {
      const int64_t count = decode(j, offs, vals);
      const float b = bias ? bias[j] : 0.0f;
      for (int64_t t = 0; t < tiles; ++t) {
        const int64_t in_tile = sw_min(kAxpyTile, batch - t * kAxpyTile);
        const float* tile = xt + t * cols * kAxpyTile;
        if (in_tile > 8) {
          axpy_tile<2>(res, tile, offs, vals, count);
        } else {
          axpy_tile<1>(res, tile, offs, vals, count);
        }
        for (int64_t i = 0; i < in_tile; ++i) out[(t * kAxpyTile + i) * rows + j] = res[i] + b;
      }
    }
  };
  sieve::detail::parallel_for_each(rows, row_grain(cols), body);
}

}  // namespace
}  // namespace sieve::cpu::avx2
