// A persistent thread pool for the CPU kernels. Workers sleep on a condition variable between
// jobs; the calling thread takes a share of each job, so one thread means no worker at all.
#pragma once

#include <cstdint>
#include <functional>

namespace sieve {

// Splits [0, n) into contiguous chunks (at least `grain` items each) and runs fn(begin, end) on
// the pool's threads and the caller; returns when all chunks are done. Nested calls run inline.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Number of threads a parallel_for uses (caller included). Default: available cores, or the
// SIEVE_THREADS environment variable when set.
int num_threads();
void set_num_threads(int n);

}  // namespace sieve
