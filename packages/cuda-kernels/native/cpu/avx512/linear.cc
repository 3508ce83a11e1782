// AVX-512F matmul and gemv: out[m, n] = x[m, k] · w[n, k]^T (+ bias[n]), f32 accumulate.
// Chooses the kernel by the number of activation rows m, like avx2/linear.cc:
//   m = 1                    linear_stream.cc, GEMV (decode)
//   2 <= m <= 64             linear_stream.cc, small batch (batched decode)
//   m > 64                   linear_gemm.cc, packed 12x32 GEMM (prefill)
#include "cpu/avx512/linear_kernels.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx512 {

void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) return avx2::matmul(out, x, w, wdt, m, n, k, bias);  // an empty product: out = bias (or 0)
  if (m == 1) return detail::stream_gemv(out, x, w, wdt, n, k, bias);
  if (m <= detail::kStreamMaxRows) return detail::stream_small_m(out, x, w, wdt, m, n, k, bias);
  detail::packed_gemm(out, x, w, wdt, m, n, k, bias);
}

void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  matmul(out, x, w, wdt, 1, n, k, bias);
}

}  // namespace sieve::cpu::avx512
