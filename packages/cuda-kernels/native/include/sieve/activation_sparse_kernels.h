// Activation-sparse CPU kernels (TEAL, CATS): products that touch only the weights of the inputs
// (or neurons) that survived a magnitude threshold, so a zeroed activation costs no memory traffic.
//
// Weight layouts (all row-major, f32 or f16/bf16 raw bits, f32 accumulate):
//   input-major  wt[k, n]: row j holds the n weights that input j feeds (the transpose of the usual
//                [out, in] linear weight). Skipping input j skips one contiguous row.
//   row-major    w[rows, k]: the usual [out, in] layout; CATS reads the up projection's rows i of
//                the kept neurons, each one contiguous run.
//
// Every op exists as sieve::cpu::portable::op and sieve::cpu::avx2::op with identical signatures
// (and the input-major products as sieve::cpu::avx512::* too); sieve::cpu::op dispatches on
// active_isa() like the dense kernels (cpu_kernels.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sieve/cpu_kernels.h"

namespace sieve {

// How a batch-1 sparse GEMV shares work between threads.
//   Inputs:  each thread takes a contiguous slice of the active inputs (a contiguous region of
//            wt) into its own partial output, then the partials are summed. Long runs per thread.
//   Columns: each thread takes a contiguous slice of the output columns of every active row. No
//            reduction, but each row is cut into threads-many shorter runs.
//   Auto:    the measured default (see activation_sparse_dispatch.cc).
enum class SparseSplit : int { Auto = 0, Inputs = 1, Columns = 2 };

#define SIEVE_ACTIVATION_SPARSE_DECLS                                                                     \
  /* out[n] = bias + sum_{i < count} x[idx[i]] * wt[idx[i], :]; idx ascending, in [0, k). */             \
  void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt,        \
                      WDType wdt, int64_t n, const float* bias, SparseSplit split);                         \
  /* out[m, n] = bias + sum_{i < count} c[r, idx[i]] * wt[idx[i], :] per row r, where c = x with every   \
     |x[r, j]| < threshold zeroed (threshold <= 0: no thresholding). idx == nullptr means all k inputs \
     (a dense input-major GEMM); otherwise idx must cover every input any row keeps. */                \
  void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count, \
                        float threshold, const void* wt, WDType wdt, int64_t n, const float* bias);         \
  /* out[m, count] = x[m, k] . w[idx[i], :] for each selected row i of a row-major w[*, k]. */            \
  void gather_rows_matmul(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count,         \
                          const void* w, WDType wdt, int64_t k);                                            \
  /* The CATS MLP for one token: out[dim] = sum_{i < count} act[idx[i]] * (up[idx[i], :] . x) *          \
     down_t[idx[i], :], with up [hidden, dim] row-major and down_t [hidden, dim] input-major. */          \
  void cats_mlp_gemv(float* out, const float* x, const float* act, const int32_t* idx, int64_t count,      \
                     const void* up, const void* down_t, WDType wdt, int64_t dim);

namespace cpu {
namespace portable {
SIEVE_ACTIVATION_SPARSE_DECLS
}
namespace avx2 {
SIEVE_ACTIVATION_SPARSE_DECLS
// threshold_select below for m, k > 0 and threshold > 0 (the dispatcher handles the rest).
int64_t threshold_select(int32_t* idx, const float* x, int64_t m, int64_t k, float threshold, int64_t* kept);
}
// The AVX-512 tier has its own kernels for the input-major products: sparse_gemv_im (batch 1, the
// inputs split) and sparse_matmul_im; the other ops run the AVX2 kernels in that tier.
namespace avx512 {
void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias, SparseSplit split);
void sparse_matmul_im(float* out, const float* x, int64_t m, int64_t k, const int32_t* idx, int64_t count,
                      float threshold, const void* wt, WDType wdt, int64_t n, const float* bias);
}
// Dispatching entry points: the variant of active_isa().
SIEVE_ACTIVATION_SPARSE_DECLS

// Threshold selection (AVX2 or scalar, same result): writes to idx, ascending, every input j for
// which some row r of x[m, k] has |x[r, j]| >= threshold (all j when threshold <= 0) and returns
// how many; *kept (when not null) receives the number of (row, input) pairs kept.
int64_t threshold_select(int32_t* idx, const float* x, int64_t m, int64_t k, float threshold, int64_t* kept);

// The kernel variant each op runs under the active ISA, e.g. {"sparseGemvIm", "avx2-im-rows8"}.
std::vector<std::pair<std::string, std::string>> activation_sparse_kernel_names();

}  // namespace cpu
}  // namespace sieve
