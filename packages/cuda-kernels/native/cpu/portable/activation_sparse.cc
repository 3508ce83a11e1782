// Portable activation-sparse kernels: plain C++ the compiler may vectorize, f32 accumulate. They
// are the fallback on CPUs without AVX2 and the second opinion the AVX2 variants are tested
// against; the loops are the obvious ones, with threads sharing work the same way as the AVX2
// variants (so thread-count bugs show up in both).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/half.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

// Below this many weights per thread, waking a second thread costs more than it saves.
constexpr int64_t kWeightsPerThread = 32768;

const float* f16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = f16_to_f32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

// Widens w[start, start + count) to f32 (f32 is copied so callers have one code path).
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

int64_t threads_for(int64_t weights) {
  return std::max<int64_t>(1, std::min<int64_t>(num_threads(), weights / kWeightsPerThread));
}

inline float coef(float v, float threshold) { return threshold > 0 && !(std::fabs(v) >= threshold) ? 0.0f : v; }

// Splits `count` items into `parts` contiguous slices and runs body(part, begin, end) for each, on
// the pool; part 0 runs wherever the pool puts it, like every other part.
template <typename F>
void for_each_slice(int64_t count, int64_t parts, F body) {
  parallel_for(parts, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) body(p, count * p / parts, count * (p + 1) / parts);
  });
}

}  // namespace

void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias, SparseSplit split) {
  if (n <= 0) return;
  for (int64_t c = 0; c < n; ++c) out[c] = bias ? bias[c] : 0.0f;
  const int64_t parts = threads_for(count * n);
  if (split == SparseSplit::Columns) {
    for_each_slice(n, parts, [&](int64_t, int64_t c0, int64_t c1) {
      std::vector<float> row(static_cast<size_t>(c1 - c0));
      for (int64_t i = 0; i < count; ++i) {
        const float xv = x[idx[i]];
        widen(wt, wdt, idx[i] * n + c0, c1 - c0, row.data());
        for (int64_t c = c0; c < c1; ++c) out[c] += xv * row[c - c0];
      }
    });
    return;
  }
  // Inputs (and Auto): each slice of the active inputs sums into its own partial, then all add up.
  std::vector<float> partial(static_cast<size_t>(parts * n), 0.0f);
  for_each_slice(count, parts, [&](int64_t p, int64_t b, int64_t e) {
    std::vector<float> row(static_cast<size_t>(n));
    float* acc = partial.data() + p * n;
    for (int64_t i = b; i < e; ++i) {
      const float xv = x[idx[i]];
      widen(wt, wdt, idx[i] * n, n, row.data());
      for (int64_t c = 0; c < n; ++c) acc[c] += xv * row[c];
    }
  });
  for (int64_t p = 0; p < parts; ++p)
    for (int64_t c = 0; c < n; ++c) out[c] += partial[p * n + c];
}

void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                      float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (!idx) count = k;
  const int64_t parts = threads_for(m * count * n);
  // Threads own column slices; each widened row slice is used for all m rows while it is in L1.
  for_each_slice(n, parts, [&](int64_t, int64_t c0, int64_t c1) {
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = c0; c < c1; ++c) out[r * n + c] = bias ? bias[c] : 0.0f;
    std::vector<float> row(static_cast<size_t>(c1 - c0));
    for (int64_t i = 0; i < count; ++i) {
      const int64_t j = idx ? idx[i] : i;
      widen(wt, wdt, j * n + c0, c1 - c0, row.data());
      for (int64_t r = 0; r < m; ++r) {
        const float xv = coef(x[r * k + j], threshold);
        if (xv == 0.0f) continue;
        float* o = out + r * n;
        for (int64_t c = c0; c < c1; ++c) o[c] += xv * row[c - c0];
      }
    }
  });
}

void gather_rows_matmul(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count, const void* w,
                        WDType wdt, int64_t k) {
  if (m <= 0 || count <= 0) return;
  for_each_slice(count, threads_for(m * count * k), [&](int64_t, int64_t b, int64_t e) {
    std::vector<float> row(static_cast<size_t>(k));
    for (int64_t i = b; i < e; ++i) {
      widen(w, wdt, static_cast<int64_t>(idx[i]) * k, k, row.data());
      for (int64_t r = 0; r < m; ++r) {
        const float* xr = x + r * k;
        float s = 0;
        for (int64_t p = 0; p < k; ++p) s += xr[p] * row[p];
        out[r * count + i] = s;
      }
    }
  });
}

void cats_mlp_gemv(float* out, const float* x, const float* act, const int32_t* idx, int64_t count, const void* up,
                   const void* down_t, WDType wdt, int64_t dim) {
  if (dim <= 0) return;
  const int64_t parts = threads_for(2 * count * dim);
  std::vector<float> partial(static_cast<size_t>(parts * dim), 0.0f);
  for_each_slice(count, parts, [&](int64_t p, int64_t b, int64_t e) {
    std::vector<float> row(static_cast<size_t>(dim));
    float* acc = partial.data() + p * dim;
    for (int64_t i = b; i < e; ++i) {
      const int64_t neuron = idx[i];
      widen(up, wdt, neuron * dim, dim, row.data());
      float u = 0;
      for (int64_t c = 0; c < dim; ++c) u += row[c] * x[c];
      const float h = act[neuron] * u;
      widen(down_t, wdt, neuron * dim, dim, row.data());
      for (int64_t c = 0; c < dim; ++c) acc[c] += h * row[c];
    }
  });
  for (int64_t c = 0; c < dim; ++c) {
    float s = 0;
    for (int64_t p = 0; p < parts; ++p) s += partial[p * dim + c];
    out[c] = s;
  }
}

}  // namespace sieve::cpu::portable
