// The outer loops of sparse_matmul_im shared by the AVX2 and AVX-512 kernels
// (avx2|avx512/activation_sparse_batch.cc), which differ only in their two row kernels (and share
// tail_columns below). A kernels type supplies them:
//
//   struct Kernels {
//     static constexpr int64_t kFewRows;  // up to this many token rows few_rows runs, above it panels
//     template <WDType D> static void few_rows(float* acc, int64_t m, const float* xs, const int32_t* idx,
//                                              int64_t b, int64_t e, const void* wt, int64_t n);
//     template <WDType D> static void panels(...same arguments...);
//   };  // both: acc[m, n] += active list entries [b, e), xs their thresholded activations [count][m]
//
// More than kMaxTokens rows go in passes of kMaxTokens (bounding the partials' memory); in each
// pass the thresholded activations of the active inputs are gathered once, [active][rows], and
// threads split the active list, each summing its slice into its own [m, n] partial (the first
// into out, with the bias), added at the end. In an anonymous namespace for the reason given in
// cpu/parallel.h.
#pragma once

#include "cpu/avx2/widen.h"
#include "cpu/parallel.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

constexpr int64_t kPassTokens = 64;              // token rows per pass
constexpr int64_t kPassWorkPerThread = 1 << 16;  // multiply-adds per thread below which one thread runs it all

thread_local Scratch t_pass_coefs;     // [count][m] thresholded activations, owned by the caller
thread_local Scratch t_pass_partials;  // [parts - 1][m][n], owned by the caller

// out[t * n + c] += sum_{r < rows} cs[r * m + t] * w[off[r] + c] for c in [c0, c1), t < m: the
// columns left over after the row kernels' vector loops, one at a time.
template <WDType D>
inline void tail_columns(float* out, int64_t n, int64_t m, int64_t c0, int64_t c1, const float* cs, int64_t rows,
                         const void* w, const int64_t* off) {
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t t = 0; t < m; ++t) {
      float a = out[t * n + c];
      for (int64_t r = 0; r < rows; ++r) a += cs[r * m + t] * load1<D>(w, off[r] + c);
      out[t * n + c] = a;
    }
}

inline float thresholded(float v, float threshold) {
  return threshold > 0 && !(v >= threshold || v <= -threshold) ? 0.0f : v;
}

template <class Kernels, WDType D>
void split_active_list(float* out, int64_t m, const float* xs, const int32_t* idx, int64_t count, const void* wt,
                       int64_t n, const float* bias) {
  const int64_t parts = imax(1, imin(num_threads(), m * count * n / kPassWorkPerThread));
  float* partials = parts > 1 ? t_pass_partials.get((parts - 1) * m * n) : nullptr;
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      float* acc = p == 0 ? out : partials + (p - 1) * m * n;
      for (int64_t t = 0; t < m; ++t)
        for (int64_t c = 0; c < n; ++c) acc[t * n + c] = p == 0 && bias ? bias[c] : 0.0f;
      const int64_t b = count * p / parts, e = count * (p + 1) / parts;
      if (m <= Kernels::kFewRows) Kernels::template few_rows<D>(acc, m, xs, idx, b, e, wt, n);
      else Kernels::template panels<D>(acc, m, xs, idx, b, e, wt, n);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
  for (int64_t p = 1; p < parts; ++p) {
    const float* src = partials + (p - 1) * m * n;
    for (int64_t i = 0; i < m * n; ++i) out[i] += src[i];  // vectorised by the compiler
  }
}

// sparse_matmul_im for m, n > 0 (see sieve/activation_sparse_kernels.h).
template <class Kernels, WDType D>
void sparse_matmul_passes(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                          float threshold, const void* wt, int64_t n, const float* bias) {
  if (!idx) count = k;
  for (int64_t t0 = 0; t0 < m; t0 += kPassTokens) {
    const int64_t mt = imin(kPassTokens, m - t0);
    float* xs = t_pass_coefs.get(imax(1, count * mt));
    for (int64_t i = 0; i < count; ++i) {
      const int64_t j = idx ? idx[i] : i;
      for (int64_t t = 0; t < mt; ++t) xs[i * mt + t] = thresholded(x[(t0 + t) * k + j], threshold);
    }
    split_active_list<Kernels, D>(out + t0 * n, mt, xs, idx, count, wt, n, bias);
  }
}

// The typed entry for a wdt known only at run time.
template <class Kernels>
void sparse_matmul_dispatch(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                            float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
  if (m <= 0 || n <= 0) return;
  switch (wdt) {
    case WDType::F32: return sparse_matmul_passes<Kernels, WDType::F32>(out, x, m, k, idx, count, threshold, wt, n, bias);
    case WDType::F16: return sparse_matmul_passes<Kernels, WDType::F16>(out, x, m, k, idx, count, threshold, wt, n, bias);
    case WDType::BF16: return sparse_matmul_passes<Kernels, WDType::BF16>(out, x, m, k, idx, count, threshold, wt, n, bias);
  }
}

}  // namespace
}  // namespace sieve::cpu::avx2
