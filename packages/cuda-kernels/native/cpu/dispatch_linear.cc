// Dispatchers for the linear ops (matmul, gemv) and their variant names.
#include <string>

#include "cpu/internal.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu {

void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias) {
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (active_isa() == Isa::Avx2) return avx2::matmul(out, x, w, wdt, m, n, k, bias);
#endif
  portable::matmul(out, x, w, wdt, m, n, k, bias);
}

void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (active_isa() == Isa::Avx2) return avx2::gemv(out, x, w, wdt, n, k, bias);
#endif
  portable::gemv(out, x, w, wdt, n, k, bias);
}

namespace detail {

// One name per op and ISA even though the AVX2 matmul routes small batches (m <= 8) to a streaming
// kernel that reads W once: the name says which code family runs, not which branch.
const char* linear_kernel_name(const std::string& op, Isa isa) {
  const bool avx2 = isa == Isa::Avx2;
  if (op == "matmul") return avx2 ? "avx2-packed-6x16" : "portable-tiled-4x4";
  if (op == "gemv") return avx2 ? "avx2-stream-4row" : "portable-stream";
  return nullptr;
}

}  // namespace detail
}  // namespace sieve::cpu
