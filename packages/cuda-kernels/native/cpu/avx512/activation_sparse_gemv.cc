// AVX-512 batch-1 input-major sparse GEMV (TEAL at decode): the walk of cpu/avx2/
// activation_sparse_gemv.cc (each thread a contiguous slice of the active list into its own
// partial output; 8 rows in flight, taken from 8 equal parts of the slice; a prefetch 16 KB ahead
// along that walk) with each step covering a whole 64-byte line of every row in zmm registers:
// 32 columns (two f32 lines), half the vector instructions of the AVX2 step per byte.
//
// Why: the AVX-512 tier's dense GEMV (avx512/linear_stream.cc) is the baseline TEAL is measured
// against in that tier, and it streams ~2-3% faster than the AVX2 one on the 2-core Xeon VM; this
// kernel is the TEAL side of the same change. Only the inputs split exists here; a call asking for
// SparseSplit::Columns (kept for measurement) runs the AVX2 kernel.
#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/avx512/widen.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx512 {
namespace {

using avx2::axpy_rows;
using avx2::prefetch_ahead;
using avx2::walk_parts;

constexpr int64_t kWeightsPerThread = 32768;  // as in AVX2: below it a second thread costs more
constexpr int kGroup = 8;                     // rows in flight
constexpr int64_t kPrefetchBytes = 16384;     // prefetch distance along the walk

thread_local Scratch t_partials;  // threads 1..'s partial outputs, owned by the caller

// acc[0:len) += sum_{r < R} s[r] * w[off[r] + 0:len), prefetching along the walk like
// avx2::axpy_rows_ahead (far, far_next, dc as there).
template <WDType D, int R>
inline void axpy_rows_ahead(float* acc, const void* w, const int64_t* off, const float* s, int64_t len,
                            const int64_t* far, const int64_t* far_next, int64_t dc) {
  __m512 sv[R];
  for (int r = 0; r < R; ++r) sv[r] = _mm512_set1_ps(s[r]);
  int64_t c = 0;
  for (; c + 32 <= len; c += 32) {
    prefetch_ahead<D, R>(w, c, len, far, far_next, dc);
    prefetch_ahead<D, R>(w, c + 16, len, far, far_next, dc);  // f32: the second line (f16: no-op)
    __m512 a0 = _mm512_loadu_ps(acc + c), a1 = _mm512_loadu_ps(acc + c + 16);
    for (int r = 0; r < R; ++r) {
      a0 = _mm512_fmadd_ps(sv[r], load16<D>(w, off[r] + c), a0);
      a1 = _mm512_fmadd_ps(sv[r], load16<D>(w, off[r] + c + 16), a1);
    }
    _mm512_storeu_ps(acc + c, a0);
    _mm512_storeu_ps(acc + c + 16, a1);
  }
  if (c < len) {  // the last len % 32 columns, with the AVX2 step
    int64_t tail[R];
    for (int r = 0; r < R; ++r) tail[r] = off[r] + c;
    axpy_rows<D, R>(acc + c, w, tail, s, len - c);
  }
}

template <WDType D>
void accumulate_inputs(float* acc, const float* x, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                       int64_t n) {
  walk_parts<D, kGroup>(
      idx, b, e, n, 0, n, kPrefetchBytes,
      [&](const int64_t* at, const int64_t* off, const int64_t* far, const int64_t* far_next, int64_t dc) {
        float s[kGroup];
        for (int r = 0; r < kGroup; ++r) s[r] = x[idx[at[r]]];
        axpy_rows_ahead<D, kGroup>(acc, wt, off, s, n, far, far_next, dc);
      },
      [&](int64_t i) {
        const int64_t off = static_cast<int64_t>(idx[i]) * n;
        axpy_rows<D, 1>(acc, wt, &off, &x[idx[i]], n);
      });
}

template <WDType D>
void gemv_typed(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, int64_t n,
                const float* bias) {
  const int64_t parts = imax(1, imin(num_threads(), count * n / kWeightsPerThread));
  float* partials = parts > 1 ? t_partials.get((parts - 1) * n) : nullptr;
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      float* acc = p == 0 ? out : partials + (p - 1) * n;
      for (int64_t c = 0; c < n; ++c) acc[c] = p == 0 && bias ? bias[c] : 0.0f;
      accumulate_inputs<D>(acc, x, idx, count * p / parts, count * (p + 1) / parts, wt, n);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
  for (int64_t p = 1; p < parts; ++p) {
    const float* src = partials + (p - 1) * n;
    int64_t c = 0;
    for (; c + 16 <= n; c += 16) _mm512_storeu_ps(out + c, _mm512_add_ps(_mm512_loadu_ps(out + c), _mm512_loadu_ps(src + c)));
    for (; c < n; ++c) out[c] += src[c];
  }
}

}  // namespace

void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias, SparseSplit split) {
  if (n <= 0) return;
  if (split == SparseSplit::Columns) return avx2::sparse_gemv_im(out, x, idx, count, wt, wdt, n, bias, split);
  switch (wdt) {
    case WDType::F32: return gemv_typed<WDType::F32>(out, x, idx, count, wt, n, bias);
    case WDType::F16: return gemv_typed<WDType::F16>(out, x, idx, count, wt, n, bias);
    case WDType::BF16: return gemv_typed<WDType::BF16>(out, x, idx, count, wt, n, bias);
  }
}

}  // namespace sieve::cpu::avx512
