// Run-time choice of the instruction-set variant: CPU feature detection, the active ISA, and the
// kernel variant names reported to JS (info().kernels, `sieve inspect`).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "cpu/internal.h"
#include "sieve/cpu_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace sieve::cpu {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// XCR0 via xgetbv, without needing -mxsave for this file.
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1;
  const bool avx = (c >> 28) & 1;
  // The OS must save the YMM registers on context switches (XCR0 bits 1 and 2), or AVX code
  // would corrupt state: a CPU with AVX2 under an OS without AVX support counts as no AVX2.
  const bool ymm_enabled = osxsave && (read_xcr0() & 0x6) == 0x6;
  if (!avx || !ymm_enabled) return f;
  f.fma = (c >> 12) & 1;
  f.f16c = (c >> 29) & 1;
  unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
  if (__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) {
    f.avx2 = (b7 >> 5) & 1;
    // ZMM state needs XCR0 bits 5-7 (opmask, upper halves of zmm0-15, zmm16-31) as well.
    f.avx512f = ((b7 >> 16) & 1) && (read_xcr0() & 0xe6) == 0xe6;
  }
#endif
  return f;
}

// Every kernel in avx2/ uses all three extensions, so the variant needs all three, and it must
// have been compiled in (only x86-64 builds have the avx2/ files).
bool avx2_usable() {
#if defined(SIEVE_HAVE_AVX2_BUILD)
  static const bool ok = [] {
    const CpuFeatures f = detect_cpu_features();
    return f.avx2 && f.fma && f.f16c;
  }();
  return ok;
#else
  return false;
#endif
}

// The avx512/ kernels also use AVX2/FMA/F16C instructions (ymm tails, the AVX2 helpers).
bool avx512_usable() {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  static const bool ok = avx2_usable() && detect_cpu_features().avx512f;
  return ok;
#else
  return false;
#endif
}

Isa best_isa() { return avx512_usable() ? Isa::Avx512 : avx2_usable() ? Isa::Avx2 : Isa::Portable; }

// The best tier at or below `isa` that this CPU runs.
Isa usable_at_most(Isa isa) {
  if (isa == Isa::Avx512 && !avx512_usable()) isa = Isa::Avx2;
  if (isa == Isa::Avx2 && !avx2_usable()) isa = Isa::Portable;
  return isa;
}

// The initial choice: the best the CPU supports, unless SIEVE_ISA=portable or SIEVE_ISA=avx2 asks
// for a lower tier (handy to compare variants without code changes).
Isa initial_isa() {
  const char* env = std::getenv("SIEVE_ISA");
  if (env && std::strcmp(env, "portable") == 0) return Isa::Portable;
  if (env && std::strcmp(env, "avx2") == 0) return usable_at_most(Isa::Avx2);
  return best_isa();
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}

// The op names of kernels.ts OP_NAMES, in the same order.
constexpr const char* kOpNames[] = {
    "matmul", "gemv",    "add",   "mul",  "scale",  "rmsNorm", "layerNorm", "rope", "softmax",      "logSoftmax",
    "silu",   "gelu",    "relu",  "swiglu", "embedding", "argmax", "topk", "crossEntropy", "pagedKvWrite",
    "pagedAttention",
};

}  // namespace

CpuFeatures detect_cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

Isa set_isa(Isa isa) {
  const Isa chosen = usable_at_most(isa);
  active_slot().store(static_cast<int>(chosen), std::memory_order_relaxed);
  return chosen;
}

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Portable: break;
  }
  return "portable";
}

std::string kernel_name(const std::string& op) {
  const Isa isa = active_isa();
  if (const char* name = detail::linear_kernel_name(op, isa)) return name;
  if (const char* name = detail::ops_kernel_name(op, isa)) return name;
  return "unknown";
}

std::vector<std::pair<std::string, std::string>> kernel_names() {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(sizeof(kOpNames) / sizeof(kOpNames[0]));
  for (const char* op : kOpNames) out.emplace_back(op, kernel_name(op));
  return out;
}

}  // namespace sieve::cpu
