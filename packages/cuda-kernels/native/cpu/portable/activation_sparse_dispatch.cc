// Dispatchers for the activation-sparse kernels, their variant names, and threshold selection.
// Lives under portable/ because it must compile without AVX2 flags: it only calls into avx2/
// after the run-time check (active_isa), exactly like cpu/dispatch_linear.cc.
#include <cmath>

#include "sieve/activation_sparse_kernels.h"

namespace sieve::cpu {

#if defined(SIEVE_HAVE_AVX2_BUILD)
#define SIEVE_ACT_DISPATCH(call)                         \
  do {                                                   \
    if (runs_avx2(active_isa())) return avx2::call;      \
    return portable::call;                               \
  } while (0)
#else
#define SIEVE_ACT_DISPATCH(call) return portable::call
#endif

void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias, SparseSplit split) {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  if (active_isa() == Isa::Avx512) return avx512::sparse_gemv_im(out, x, idx, count, wt, wdt, n, bias, split);
#endif
  SIEVE_ACT_DISPATCH(sparse_gemv_im(out, x, idx, count, wt, wdt, n, bias, split));
}

void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                      float threshold, const void* wt, WDType wdt, int64_t n, const float* bias) {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  if (active_isa() == Isa::Avx512) return avx512::sparse_matmul_im(out, x, m, k, idx, count, threshold, wt, wdt, n, bias);
#endif
  SIEVE_ACT_DISPATCH(sparse_matmul_im(out, x, m, k, idx, count, threshold, wt, wdt, n, bias));
}

void gather_rows_matmul(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count, const void* w,
                        WDType wdt, int64_t k) {
  SIEVE_ACT_DISPATCH(gather_rows_matmul(out, x, m, idx, count, w, wdt, k));
}

void cats_mlp_gemv(float* out, const float* x, const float* act, const int32_t* idx, int64_t count, const void* up,
                   const void* down_t, WDType wdt, int64_t dim) {
  SIEVE_ACT_DISPATCH(cats_mlp_gemv(out, x, act, idx, count, up, down_t, wdt, dim));
}

#undef SIEVE_ACT_DISPATCH

// The scalar selection is branch-free for one row (the index is always written, the count advances
// only when kept), so a 50%-sparse input costs no mispredictions; several rows go through a byte
// mask of the union. The AVX2 one (avx2/threshold_select.cc) takes 8 inputs per step.
int64_t threshold_select(int32_t* idx, const float* x, int64_t m, int64_t k, float threshold, int64_t* kept) {
  if (m <= 0 || k <= 0) {
    if (kept) *kept = 0;
    return 0;
  }
  if (!(threshold > 0)) {
    for (int64_t j = 0; j < k; ++j) idx[j] = static_cast<int32_t>(j);
    if (kept) *kept = m * k;
    return k;
  }
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (runs_avx2(active_isa())) return avx2::threshold_select(idx, x, m, k, threshold, kept);
#endif
  int64_t count = 0;
  if (m == 1) {
    for (int64_t j = 0; j < k; ++j) {
      idx[count] = static_cast<int32_t>(j);
      count += std::fabs(x[j]) >= threshold;
    }
    if (kept) *kept = count;
    return count;
  }
  // The union over rows, marked in idx itself (as 0/1) before being compacted into indices.
  int64_t total = 0;
  for (int64_t j = 0; j < k; ++j) idx[j] = 0;
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * k;
    for (int64_t j = 0; j < k; ++j) {
      const int32_t keep = std::fabs(xr[j]) >= threshold;
      idx[j] |= keep;
      total += keep;
    }
  }
  for (int64_t j = 0; j < k; ++j) {
    const int32_t keep = idx[j];
    idx[count] = static_cast<int32_t>(j);
    count += keep;
  }
  if (kept) *kept = total;
  return count;
}

std::vector<std::pair<std::string, std::string>> activation_sparse_kernel_names() {
  const bool avx2 = runs_avx2(active_isa());
  // Under AVX-512 the input-major products are AVX-512 kernels (few-rows tiles up to 8 token rows).
  const bool avx512 = active_isa() == Isa::Avx512;
  const char* matmul = avx512 ? "avx512-im-parts8-regtile8|panels32-4+8x48"
                       : avx2 ? "avx2-im-parts8-regtile6|panels32-4x24"
                              : "portable-im-rows";
  return {
      {"sparseGemvIm", avx512 ? "avx512-im-rows8" : avx2 ? "avx2-im-rows8" : "portable-im-rows"},
      {"sparseMatmulIm", matmul},
      {"gatherRowsMatmul", avx2 ? "avx2-gather-rows" : "portable-gather-rows"},
      {"catsMlpGemv", avx2 ? "avx2-cats-fused" : "portable-cats-fused"},
      {"thresholdSelect", avx2 ? "avx2-compress8" : "scalar-branchless"},
  };
}

}  // namespace sieve::cpu
