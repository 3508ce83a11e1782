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
  if (count <= 0) return;  // k = 0: dst may be an empty vector's null pointer
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

constexpr int64_t kGroupRows = 64;  // W rows widened together: 64 x k f32 stays in L2

// Threads split W rows; each group of 64 rows is widened once, then every x row is multiplied by
// the whole group (the x row stays in L1 while the group's rows pass over it). One dot product at
// a time: a 4-row variant sharing x loads vectorized badly (GCC shuffled across rows), while the
// single 8-lane dot becomes two clean SIMD accumulators.
void matmul_impl(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                 const float* bias) {
  const int64_t grain = std::max<int64_t>(1, kGrainWeights / std::max<int64_t>(m * k, 1));
  parallel_for(n, grain, [&](int64_t jb, int64_t je) {
    std::vector<float> wbuf(static_cast<size_t>(std::min(kGroupRows, je - jb) * k));
    for (int64_t g0 = jb; g0 < je; g0 += kGroupRows) {
      const int64_t rows = std::min(kGroupRows, je - g0);
      for (int64_t r = 0; r < rows; ++r) widen(w, wdt, (g0 + r) * k, k, wbuf.data() + r * k);
      for (int64_t i = 0; i < m; ++i) {
        const float* xr = x + i * k;
        for (int64_t r = 0; r < rows; ++r) {
          float acc[Lanes] = {};
          dot_accumulate(xr, wbuf.data() + r * k, k, acc);
          out[i * n + g0 + r] = reduce(acc) + (bias ? bias[g0 + r] : 0.0f);
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
