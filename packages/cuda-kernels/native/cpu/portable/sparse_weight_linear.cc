// Portable pruned-weight kernels: plain C++ on every CPU, the fallback and the reference point for
// the AVX2 variants. Each weight row is visited once per call (sparse_weight_rows.h); with
// batch > 1 the row is decoded once into a small list of (column, value) pairs that stays in L1
// while every activation row is multiplied with it, so the weight is read from memory once.
#include <cstdint>
#include <vector>

#include "cpu/portable/sparse_weight_rows.h"
#include "sieve/sparse_weight_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

// At least this many columns of weight rows per thread chunk (as in the dense kernels).
constexpr int64_t kGrainWeights = 16384;

// out[i, j] = sum over row j's kept (c, v) of v * x[i, c] (+ bias[j]); visit(j, f) enumerates them.
template <typename Visit>
void sparse_linear(float* out, const float* x, int64_t batch, int64_t rows, int64_t cols, const float* bias,
                   Visit visit) {
  if (batch <= 0 || rows <= 0) return;
  if (cols <= 0) {  // an empty product; no index may be followed
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < rows; ++j) out[i * rows + j] = bias ? bias[j] : 0.0f;
    return;
  }
  const int64_t grain = (kGrainWeights + cols - 1) / cols;
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    if (batch == 1) {
      for (int64_t j = r0; j < r1; ++j) {
        float s = 0.0f;
        visit(j, [&](int64_t c, float v) { s += v * x[c]; });
        out[j] = s + (bias ? bias[j] : 0.0f);
      }
      return;
    }
    std::vector<int64_t> cs;
    std::vector<float> vs;
    cs.reserve(static_cast<size_t>(cols));
    vs.reserve(static_cast<size_t>(cols));
    for (int64_t j = r0; j < r1; ++j) {
      cs.clear();
      vs.clear();
      visit(j, [&](int64_t c, float v) {
        cs.push_back(c);
        vs.push_back(v);
      });
      const float b = bias ? bias[j] : 0.0f;
      const size_t count = cs.size();
      for (int64_t i = 0; i < batch; ++i) {
        const float* xi = x + i * cols;
        float s = 0.0f;
        for (size_t t = 0; t < count; ++t) s += vs[t] * xi[cs[t]];
        out[i * rows + j] = s + b;
      }
    }
  });
}

}  // namespace

void nm_linear(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  if (!nm_supported(w.n, w.m)) return;
  sparse_linear(out, x, batch, w.rows, w.cols, bias,
                [&w](int64_t j, auto&& f) { sparse_rows::visit_nm_row(w, j, f); });
}

void bitmap_linear(float* out, const float* x, int64_t batch, const BitmapWeight& w, const float* bias) {
  sparse_linear(out, x, batch, w.rows, w.cols, bias,
                [&w](int64_t j, auto&& f) { sparse_rows::visit_bitmap_row(w, j, f); });
}

void csr_linear(float* out, const float* x, int64_t batch, const CsrWeight& w, const float* bias) {
  sparse_linear(out, x, batch, w.rows, w.cols, bias,
                [&w](int64_t j, auto&& f) { sparse_rows::visit_csr_row(w, j, f); });
}

void blocked_csr_linear(float* out, const float* x, int64_t batch, const BlockedCsrWeight& w, const float* bias) {
  sparse_linear(out, x, batch, w.rows, w.cols, bias,
                [&w](int64_t j, auto&& f) { sparse_rows::visit_blocked_csr_row(w, j, f); });
}

void csr8_linear(float* out, const float* x, int64_t batch, const Csr8Weight& w, const float* bias) {
  sparse_linear(out, x, batch, w.rows, w.cols, bias,
                [&w](int64_t j, auto&& f) { sparse_rows::visit_csr8_row(w, j, f); });
}

}  // namespace sieve::cpu::portable
