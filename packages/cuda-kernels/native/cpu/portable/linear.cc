// Portable matmul and gemv: plain C++ the compiler can vectorize for any target, f32 accumulate.
//
// Half-precision weights are widened a block at a time into a small f32 buffer, f16 through a
// 64K-entry lookup table (one load per weight instead of a branchy bit conversion). Dot products
// keep 8 independent partial sums (`Lanes`), which both hides FMA latency and lets the compiler
// turn the inner loop into SIMD without -ffast-math (the summation order is written out).
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/half.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

constexpr int Lanes = 8;
constexpr int64_t kWidenBlock = 512;  // weights widened per step (2 KB of f32: stays in L1)

const float* f16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = f16_to_f32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

// Widens w[start, start + count) to f32.
void widen(const void* w, WDType wdt, int64_t start, int64_t count, float* dst) {
  if (wdt == WDType::F32) {
    std::memcpy(dst, static_cast<const float*>(w) + start, static_cast<size_t>(count) * 4);
    return;
  }
  const uint16_t* src = static_cast<const uint16_t*>(w) + start;
  if (wdt == WDType::F16) {
    const float* table = f16_table();
    for (int64_t i = 0; i < count; ++i) dst[i] = table[src[i]];
  } else {
    for (int64_t i = 0; i < count; ++i) dst[i] = bf16_to_f32(src[i]);
  }
}

// sum_i a[i] * b[i] into 8 interleaved partial sums (acc must hold Lanes floats).
inline void dot_accumulate(const float* a, const float* b, int64_t count, float* acc) {
  int64_t i = 0;
  for (; i + Lanes <= count; i += Lanes)
    for (int l = 0; l < Lanes; ++l) acc[l] += a[i + l] * b[i + l];
  for (; i < count; ++i) acc[0] += a[i] * b[i];
}

inline float reduce(const float* acc) {
  float s = 0;
  for (int l = 0; l < Lanes; ++l) s += acc[l];
  return s;
}

// One output row j of W against one activation row: widened block by block (f32 read in place).
float row_dot(const float* x, const void* w, WDType wdt, int64_t j, int64_t k, float* buf) {
  float acc[Lanes] = {};
  if (wdt == WDType::F32) {
    dot_accumulate(x, static_cast<const float*>(w) + j * k, k, acc);
  } else {
    for (int64_t p = 0; p < k; p += kWidenBlock) {
      const int64_t count = std::min(kWidenBlock, k - p);
      widen(w, wdt, j * k + p, count, buf);
      dot_accumulate(x + p, buf, count, acc);
    }
  }
  return reduce(acc);
}

// Weights per thread chunk below which a second thread costs more than it saves.
constexpr int64_t kGrainWeights = 16384;

void gemv_impl(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  parallel_for(n, std::max<int64_t>(1, kGrainWeights / std::max<int64_t>(k, 1)), [&](int64_t b, int64_t e) {
    float buf[kWidenBlock];
    for (int64_t j = b; j < e; ++j) out[j] = row_dot(x, w, wdt, j, k, buf) + (bias ? bias[j] : 0.0f);
  });
}

// A tile of 4 W rows (already widened, 4 x k) against one x row: 4 dots sharing each x load.
inline void dot4(const float* xr, const float* w4, int64_t k, float* s) {
  float a0[Lanes] = {}, a1[Lanes] = {}, a2[Lanes] = {}, a3[Lanes] = {};
  const float *w0 = w4, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
  int64_t p = 0;
  for (; p + Lanes <= k; p += Lanes) {
    for (int l = 0; l < Lanes; ++l) {
      const float xv = xr[p + l];
      a0[l] += xv * w0[p + l];
      a1[l] += xv * w1[p + l];
      a2[l] += xv * w2[p + l];
      a3[l] += xv * w3[p + l];
    }
  }
  for (; p < k; ++p) {
    a0[0] += xr[p] * w0[p];
    a1[0] += xr[p] * w1[p];
    a2[0] += xr[p] * w2[p];
    a3[0] += xr[p] * w3[p];
  }
  s[0] = reduce(a0);
  s[1] = reduce(a1);
  s[2] = reduce(a2);
  s[3] = reduce(a3);
}

constexpr int64_t kGroupRows = 64;  // W rows widened together: 64 x k f32 stays in L2

// Threads split W rows; each group of 64 rows is widened once, then every x row is multiplied by
// the whole group (the x row stays in L1 while 16 tiles of 4 W rows pass over it).
void matmul_impl(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias) {
  const int64_t tiles = (n + 3) / 4;
  const int64_t grain = std::max<int64_t>(1, kGrainWeights / std::max<int64_t>(m * k * 4, 1));
  parallel_for(tiles, grain, [&](int64_t tb, int64_t te) {
    std::vector<float> wbuf(static_cast<size_t>(kGroupRows * k));
    for (int64_t g0 = tb * 4; g0 < std::min(n, te * 4); g0 += kGroupRows) {
      const int64_t g1 = std::min({n, te * 4, g0 + kGroupRows});
      const int64_t padded = (g1 - g0 + 3) / 4 * 4;
      for (int64_t r = 0; r < padded; ++r) {
        if (g0 + r < g1) {
          widen(w, wdt, (g0 + r) * k, k, wbuf.data() + r * k);
        } else {
          std::fill(wbuf.begin() + r * k, wbuf.begin() + (r + 1) * k, 0.0f);  // pad the last tile
        }
      }
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t r0 = 0; r0 < padded; r0 += 4) {
          float s[4];
          dot4(x + i * k, wbuf.data() + r0 * k, k, s);
          const int64_t rows = std::min<int64_t>(4, g1 - g0 - r0);
          for (int64_t r = 0; r < rows; ++r) {
            const int64_t j = g0 + r0 + r;
            out[i * n + j] = s[r] + (bias ? bias[j] : 0.0f);
          }
        }
      }
    }
  });
}

}  // namespace

void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (m == 1) return gemv_impl(out, x, w, wdt, n, k, bias);
  matmul_impl(out, x, w, wdt, m, n, k, bias);
}

void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  if (n <= 0) return;
  gemv_impl(out, x, w, wdt, n, k, bias);
}

}  // namespace sieve::cpu::portable
