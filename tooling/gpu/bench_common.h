// Timing helpers shared by the GPU check's timing parts (bench_cases.cc, teal_cases.cc).
#pragma once

#include <functional>
#include <string>

#include "check_common.h"

namespace gpucheck {

// Mean milliseconds per call of fn(i) (i = call index, for rotating buffers): CUDA events around a
// warm-up, then enough calls for about target_ms.
double time_ms(const std::function<void(int)>& fn, double target_ms = 100.0, int max_iters = 500);

// Mean milliseconds per call when `calls` calls fn(i, stream) are captured once into a CUDA graph
// and the graph is replayed: what a decode loop that replays graphs pays, without per-launch CPU cost.
double graph_time_ms(const std::function<void(int, cudaStream_t)>& fn, int calls, double target_ms = 100.0);

// A device buffer of `bytes` realistic random values of dtype dt (replicated from one host chunk).
DeviceBuffer random_device(Rng& rng, size_t bytes, sieve::WDType dt);

// How many copies of a `bytes` operand make a rotation larger than 3x L2 (at least 1).
int rotation(const DeviceFacts& d, double bytes);

// A timing's report row: GB/s and TFLOP/s from the bytes and FLOPs one call needs.
BenchResult result(const DeviceFacts& d, const std::string& op, const std::string& kernel, const std::string& shape,
                   double ms, double bytes, double flops, bool memory_bound);

}  // namespace gpucheck
