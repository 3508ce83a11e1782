// How many rows each of `streams` interleaved row streams takes, shared by the streaming kernels
// (dense GEMV, N:M/CSR tiles, TEAL's input-major kernels), and the dense GEMVs' walk over them. In an anonymous namespace for the
// reason given in cpu/parallel.h.
#pragma once

#include <cstdint>
#include <type_traits>

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

// The dense GEMVs' walk over rows [j0, j1) (avx2|avx512/linear_stream.cc): 8 interleaved streams
// of `per` rows each, a pass taking the next row of every stream, then the rows left over in passes
// of up to 7 adjacent rows. rows(tr, r0, stride) computes the TR = decltype(tr)::value rows r0 +
// r * stride, r < TR (tr is a std::integral_constant, so each pass width is its own instantiation).
template <typename Rows>
inline void walk_row_streams8(int64_t j0, int64_t j1, Rows&& rows) {
  constexpr int64_t kStreams = 8;
  const int64_t per = rows_per_stream(j1 - j0, kStreams);
  for (int64_t i = 0; i < per; ++i) rows(std::integral_constant<int, kStreams>{}, j0 + i, per);
  for (int64_t done = j0 + per * kStreams; done < j1; done += kStreams - 1) {
    switch (j1 - done < kStreams - 1 ? j1 - done : kStreams - 1) {
      case 7: rows(std::integral_constant<int, 7>{}, done, 1); break;
      case 6: rows(std::integral_constant<int, 6>{}, done, 1); break;
      case 5: rows(std::integral_constant<int, 5>{}, done, 1); break;
      case 4: rows(std::integral_constant<int, 4>{}, done, 1); break;
      case 3: rows(std::integral_constant<int, 3>{}, done, 1); break;
      case 2: rows(std::integral_constant<int, 2>{}, done, 1); break;
      default: rows(std::integral_constant<int, 1>{}, done, 1); break;
    }
  }
}

}  // namespace
}  // namespace sieve::cpu::avx2
