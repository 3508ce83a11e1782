// Dispatchers for the linear ops (matmul, gemv) and their variant names.
#include <string>

#include "cpu/internal.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu {

void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias) {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  if (active_isa() == Isa::Avx512) return avx512::matmul(out, x, w, wdt, m, n, k, bias);
#endif
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (runs_avx2(active_isa())) return avx2::matmul(out, x, w, wdt, m, n, k, bias);
#endif
  portable::matmul(out, x, w, wdt, m, n, k, bias);
}

void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  if (active_isa() == Isa::Avx512) return avx512::gemv(out, x, w, wdt, n, k, bias);
#endif
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (runs_avx2(active_isa())) return avx2::gemv(out, x, w, wdt, n, k, bias);
#endif
  portable::gemv(out, x, w, wdt, n, k, bias);
}

namespace detail {

// One name per op and ISA. The AVX2 matmul also routes m = 1 and small batches (m <= 64) to the
// streaming kernels (avx2/linear_kernels.h); the name says which code family runs for the prefill
// shapes the op is named for, and the dispatch rule is documented in avx2/linear.cc.
const char* linear_kernel_name(const std::string& op, Isa isa) {
  // AVX-512: the same two families with 16-lane vectors (avx512/linear.cc).
  if (isa == Isa::Avx512) {
    if (op == "matmul") return "avx512-8rowstreams(m<=64)+packed-12x32(m>64)";
    if (op == "gemv") return "avx512-8rowstreams";
  }
  const bool avx2 = runs_avx2(isa);
  // m <= 64 streams W once for all rows; larger m runs the packed register-tiled GEMM. "8rowstreams":
  // each thread's rows are read as 8 sequential streams, one row of each per pass (the kernels
  // that took 8 adjacent rows per pass were named "avx2-stream-8row").
  if (op == "matmul") return avx2 ? "avx2-8rowstreams(m<=64)+packed-6x16(m>64)" : "portable-blocked-dot";
  if (op == "gemv") return avx2 ? "avx2-8rowstreams" : "portable-stream";
  return nullptr;
}

}  // namespace detail
}  // namespace sieve::cpu
