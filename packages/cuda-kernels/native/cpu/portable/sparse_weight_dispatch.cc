// Dispatchers for the pruned-weight kernels and their variant names. Compiled without AVX2 flags
// (it lives with the portable code); it only calls into avx2/ when the CPU supports it.
#include <string>

#include "sieve/cpu_kernels.h"
#include "sieve/sparse_weight_kernels.h"

namespace sieve::cpu {
namespace {

bool use_avx2() {
#if defined(SIEVE_HAVE_AVX2_BUILD)
  return runs_avx2(active_isa());
#else
  return false;
#endif
}

}  // namespace

#if defined(SIEVE_HAVE_AVX2_BUILD)
#define SIEVE_SPARSE_DISPATCH(call) \
  if (use_avx2()) return avx2::call; \
  return portable::call
#else
#define SIEVE_SPARSE_DISPATCH(call) return portable::call
#endif

void nm_linear(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias) {
  SIEVE_SPARSE_DISPATCH(nm_linear(out, x, batch, w, bias));
}

void bitmap_linear(float* out, const float* x, int64_t batch, const BitmapWeight& w, const float* bias) {
  SIEVE_SPARSE_DISPATCH(bitmap_linear(out, x, batch, w, bias));
}

void csr_linear(float* out, const float* x, int64_t batch, const CsrWeight& w, const float* bias) {
  SIEVE_SPARSE_DISPATCH(csr_linear(out, x, batch, w, bias));
}

void blocked_csr_linear(float* out, const float* x, int64_t batch, const BlockedCsrWeight& w, const float* bias) {
  SIEVE_SPARSE_DISPATCH(blocked_csr_linear(out, x, batch, w, bias));
}

void csr8_linear(float* out, const float* x, int64_t batch, const Csr8Weight& w, const float* bias) {
  SIEVE_SPARSE_DISPATCH(csr8_linear(out, x, batch, w, bias));
}

#undef SIEVE_SPARSE_DISPATCH

// Names say ISA, format and code family (GEMV for batch 1, GEMM above), as the dense kernels do:
// the AVX2 N:M GEMM runs up to 8 activation rows through its rows kernel, csr8 up to 4 through a
// gather per row, and larger batches the transposed-activation AXPY kernel, one family under one name.
std::string sparse_weight_kernel_name(const std::string& format, int64_t batch) {
  std::string tag;
  if (format == "nm-2:4") tag = "nm24";
  else if (format == "nm-4:8") tag = "nm48";
  else if (format == "bitmap") tag = "bitmap";
  else if (format == "csr") tag = "csr16";
  else if (format == "bcsr") tag = "bcsr8";
  else if (format == "csr8") tag = "csr8";
  else return "unknown";
  return std::string(use_avx2() ? "avx2-" : "portable-") + tag + (batch <= 1 ? "-gemv" : "-gemm");
}

}  // namespace sieve::cpu
