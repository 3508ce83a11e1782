// parallel_for without std::function, for kernels in avx2/ translation units.
//
// Why: an inline function or template instantiation (std::function, std::vector, ...) emitted in a
// file compiled with -mavx2 may contain AVX2 instructions, and the linker keeps one copy of it for
// the whole program, possibly for portable callers on a CPU without AVX2. Calling the pool through
// a plain function pointer keeps every library template out of the avx2/ files.
#pragma once

#include <cstdint>

namespace sieve::detail {

using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);

// Same contract as sieve::parallel_for (thread_pool.h): contiguous chunks of at least `grain`
// items, the caller takes part, nested calls run inline.
void parallel_for_raw(int64_t n, int64_t grain, RangeFn fn, void* ctx);

// Runs f(begin, end) for a callable defined in the calling file (its type is local to that file,
// so this instantiation cannot collide with another file's).
template <typename F>
inline void parallel_for_each(int64_t n, int64_t grain, F& f) {
  parallel_for_raw(
      n, grain, [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); }, &f);
}

}  // namespace sieve::detail
