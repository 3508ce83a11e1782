// AVX2 gather_rows_matmul: out[m, count] = x[m, k] . w[idx[i], :] for selected rows of a
// row-major w (the CATS up projection of the kept neurons): two W rows against up to four x rows
// per tile, threads splitting the selected rows.
#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

constexpr int64_t kWorkPerThread = 1 << 17;  // multiply-adds per thread below which one thread runs it all

// d[t * ldd + r] = x[t, 0:len) . w[off[r] + 0:len) for MT x rows and RT W rows (8 accumulators
// at most), each W vector loaded once for all MT x rows.
template <WDType D, int MT, int RT>
inline void rows_tile(float* d, int64_t ldd, const float* x, int64_t ldx, const void* w, const int64_t* off,
                      int64_t len) {
  __m256 acc[MT][RT];
  for (int t = 0; t < MT; ++t)
    for (int r = 0; r < RT; ++r) acc[t][r] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 8 <= len; c += 8) {
    __m256 wv[RT];
    for (int r = 0; r < RT; ++r) wv[r] = load8<D>(w, off[r] + c);
    for (int t = 0; t < MT; ++t) {
      const __m256 xv = _mm256_loadu_ps(x + t * ldx + c);
      for (int r = 0; r < RT; ++r) acc[t][r] = _mm256_fmadd_ps(xv, wv[r], acc[t][r]);
    }
  }
  for (int t = 0; t < MT; ++t) {
    for (int r = 0; r < RT; ++r) {
      float s = hsum(acc[t][r]);
      for (int64_t q = c; q < len; ++q) s += x[t * ldx + q] * load1<D>(w, off[r] + q);
      d[t * ldd + r] = s;
    }
  }
}

template <WDType D, int RT>
void rows_all_x(float* out, int64_t ld, const float* x, int64_t m, int64_t k, const void* w, const int64_t* off) {
  int64_t t = 0;
  for (; t + 4 <= m; t += 4) rows_tile<D, 4, RT>(out + t * ld, ld, x + t * k, k, w, off, k);
  for (; t < m; ++t) rows_tile<D, 1, RT>(out + t * ld, ld, x + t * k, k, w, off, k);
}

template <WDType D>
void gather_typed(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count, const void* w, int64_t k) {
  const int64_t parts = imax(1, imin(num_threads(), m * count * k / kWorkPerThread));
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      int64_t i = count * p / parts;
      const int64_t e = count * (p + 1) / parts;
      int64_t off[2];
      for (; i + 2 <= e; i += 2) {
        off[0] = static_cast<int64_t>(idx[i]) * k;
        off[1] = static_cast<int64_t>(idx[i + 1]) * k;
        rows_all_x<D, 2>(out + i, count, x, m, k, w, off);
      }
      for (; i < e; ++i) {
        off[0] = static_cast<int64_t>(idx[i]) * k;
        rows_all_x<D, 1>(out + i, count, x, m, k, w, off);
      }
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
}

}  // namespace

void gather_rows_matmul(float* out, const float* x, int64_t m, const int32_t* idx, int64_t count, const void* w,
                        WDType wdt, int64_t k) {
  if (m <= 0 || count <= 0) return;
  switch (wdt) {
    case WDType::F32: return gather_typed<WDType::F32>(out, x, m, idx, count, w, k);
    case WDType::F16: return gather_typed<WDType::F16>(out, x, m, idx, count, w, k);
    case WDType::BF16: return gather_typed<WDType::BF16>(out, x, m, idx, count, w, k);
  }
}

}  // namespace sieve::cpu::avx2
