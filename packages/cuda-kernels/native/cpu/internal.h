// Internal to the CPU kernel library: how the dispatch files share the active instruction set
// and report kernel variant names.
#pragma once

#include <string>

#include "sieve/cpu_kernels.h"

namespace sieve::cpu::detail {

// The kernel variant name of `op` under `isa`, or nullptr when `op` is not in that file's group.
const char* linear_kernel_name(const std::string& op, Isa isa);  // dispatch_linear.cc: matmul, gemv
const char* ops_kernel_name(const std::string& op, Isa isa);     // dispatch_ops.cc: every other op

}  // namespace sieve::cpu::detail
