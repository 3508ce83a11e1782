// The ISA-neutral half of the small-batch matmul (m <= 64, avx2|avx512/linear_stream.cc): x packed
// chunk-major, and the thread split over groups of strided W rows. Each tier supplies only the
// per-group kernel (its register tiles and vector width). In an anonymous namespace for the
// reason given in cpu/parallel.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "cpu/avx2/widen.h"
#include "cpu/parallel.h"

namespace sieve::cpu::avx2 {
namespace {

thread_local Scratch t_small_batch_x;

// x[:, 0:kv] rearranged chunk by chunk into the caller's scratch: chunk c is [m][chunk] contiguous
// (the last one padded), and every thread reads it. In place, x's rows are k floats apart; with k a
// multiple of 1024 the m row pieces of a chunk and the W row pieces would all map to the same L1
// sets and evict each other.
inline const float* pack_x_chunks(const float* x, int64_t m, int64_t k, int64_t kv, int64_t chunk) {
  const int64_t chunks = (kv + chunk - 1) / chunk;
  float* packed = t_small_batch_x.get(imax(1, chunks * m * chunk));
  float* xp = packed;
  for (int64_t p0 = 0; p0 < kv; p0 += chunk) {
    const int64_t len = imin(chunk, kv - p0);
    for (int64_t i = 0; i < m; ++i) std::memcpy(xp + i * chunk, x + i * k + p0, static_cast<size_t>(len) * 4);
    xp += m * chunk;
  }
  return packed;
}

// W rows [0, n) in groups of `group_rows`: a thread's rows, like the GEMV's, are cut into
// group_rows contiguous streams and each group takes the next row of every stream, so W is read
// as sequential streams; the rows left over form one last group. group(row0, stride, rows) runs
// the rows row0 + r * stride, r < rows. With 768-column rows, 1 thread, AVX2: m = 2 f16 64% ->
// 97% of the read bandwidth, m = 4 f16 55% -> 89%, m = 2 f32 76% -> 100% against adjacent rows.
template <typename Group>
inline void walk_small_batch_groups(int64_t n, int64_t k, int64_t group_rows, int64_t grain_weights, Group&& group) {
  const int64_t groups = (n + group_rows - 1) / group_rows;
  auto body = [&](int64_t gb, int64_t ge) {
    const int64_t j0 = gb * group_rows, j1 = imin(ge * group_rows, n);
    const int64_t per = (j1 - j0) / group_rows;
    for (int64_t i = 0; i < per; ++i) group(j0 + i, per, group_rows);
    const int64_t done = j0 + per * group_rows;
    if (j1 > done) group(done, 1, j1 - done);
  };
  sieve::detail::parallel_for_each(groups, imax(1, grain_weights / (group_rows * k)), body);
}

}  // namespace
}  // namespace sieve::cpu::avx2
