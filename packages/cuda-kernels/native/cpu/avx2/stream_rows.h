// How many rows each of `streams` interleaved row streams takes, shared by the streaming kernels
// (dense GEMV, N:M/CSR tiles, TEAL's input-major kernels). In an anonymous namespace for the
// reason given in cpu/parallel.h.
#pragma once

#include <cstdint>

namespace sieve::cpu::avx2 {
namespace {

// rows / streams, made odd (the rows left over go to the caller's tail loop). With weights in
// 2 MiB pages (core's allocWeightStorage) physical addresses follow virtual ones within a page,
// and an even split of a power-of-two row count puts the streams a power of two apart
// (TinyLlama f32 q: 128 rows x 8 KB = 1 MiB), all on the same L2 sets and DRAM banks: the dense
// f32 decode ran at 0.69x of the same model in 4 KiB pages (2-core Xeon VM, one process,
// alternating rounds). An odd count spaces the streams by an odd number of rows: 0.99-1.02x; f16
// was unaffected either way (1.04-1.05x).
inline int64_t rows_per_stream(int64_t rows, int64_t streams) {
  int64_t per = rows / streams;
  if (per > 1 && per % 2 == 0) per -= 1;
  return per;
}

}  // namespace
}  // namespace sieve::cpu::avx2
