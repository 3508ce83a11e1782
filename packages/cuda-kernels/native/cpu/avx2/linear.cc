// AVX2/FMA/F16C matmul and gemv: out[m, n] = x[m, k] · w[n, k]^T (+ bias[n]), f32 accumulate.
// Chooses the kernel by the number of activation rows m:
//   m = 1                    linear_stream.cc, GEMV (decode): one pass over W
//   2 <= m <= 64             linear_stream.cc, small batch (batched decode): still one pass over W
//   m > 64                   linear_gemm.cc, packed 6x16 GEMM (prefill)
#include "cpu/avx2/linear_kernels.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {

void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty product: out = bias (or 0)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) out[i * n + j] = bias ? bias[j] : 0.0f;
    return;
  }
  if (m == 1) return detail::stream_gemv(out, x, w, wdt, n, k, bias);
  if (m <= detail::kStreamMaxRows) return detail::stream_small_m(out, x, w, wdt, m, n, k, bias);
  detail::packed_gemm(out, x, w, wdt, m, n, k, bias);
}

void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  matmul(out, x, w, wdt, 1, n, k, bias);
}

}  // namespace sieve::cpu::avx2
