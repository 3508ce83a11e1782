// The inner loops of the ceiling measurements (measure.cc), one per instruction set. Private to
// the CPU library.
#pragma once

#include <cstdint>

namespace sieve::cpu::detail {

// Sums `count` floats (count a multiple of 64, data 64-byte aligned) as one streaming read.
float read_sum_portable(const float* data, int64_t count);
float read_sum_avx2(const float* data, int64_t count);

// Runs `iters` rounds of independent multiply-adds in registers; returns a value that depends on
// all of them (so nothing is optimized away). flops_per_iter() says how much one round counts.
float fma_rounds_portable(int64_t iters);
float fma_rounds_avx2(int64_t iters);
double fma_flops_per_round_portable();
double fma_flops_per_round_avx2();
float fma_rounds_avx512(int64_t iters);  // avx512/measure.cc
double fma_flops_per_round_avx512();

}  // namespace sieve::cpu::detail
