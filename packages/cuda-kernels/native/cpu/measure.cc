// The two ceilings every benchmark is compared with, measured on this machine in the same run:
//  - read bandwidth: each thread sums its contiguous slice of a buffer far larger than the caches
//    (what a batch-1 decode does to its weights), best of `repeats`, GB/s = 1e9 bytes/s;
//  - FMA peak: independent multiply-add chains in registers, 2 flops per lane per FMA.
// Both run on their own threads (not the kernel pool) so that `threads` means exactly that many,
// with the calling thread as thread 0.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "cpu/measure_kernels.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu {
namespace detail {

// Same access pattern as the AVX2 kernel (4 interleaved streams), in plain C++.
float read_sum_portable(const float* data, int64_t count) {
  const int64_t per = count / 4;
  float acc[4][16] = {};
  for (int64_t i = 0; i < per; i += 16)
    for (int st = 0; st < 4; ++st)
      for (int l = 0; l < 16; ++l) acc[st][l] += data[st * per + i + l];
  float s = 0;
  for (const auto& row : acc)
    for (float a : row) s += a;
  return s;
}

float fma_rounds_portable(int64_t iters) {
  float c[16];
  for (int l = 0; l < 16; ++l) c[l] = 0.5f + 0.01f * static_cast<float>(l);
  for (int64_t i = 0; i < iters; ++i)
    for (int l = 0; l < 16; ++l) c[l] = c[l] * 0.999999f + 1e-6f;
  float s = 0;
  for (float v : c) s += v;
  return s;
}

double fma_flops_per_round_portable() { return 16 * 2; }

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

bool use_avx2() {
#if defined(SIEVE_HAVE_AVX2_BUILD)
  const CpuFeatures f = detect_cpu_features();
  return f.avx2 && f.fma;
#else
  return false;
#endif
}

float read_sum(const float* data, int64_t count) {
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (use_avx2()) return detail::read_sum_avx2(data, count);
#endif
  return detail::read_sum_portable(data, count);
}

// The widest FMA the CPU and OS run (the same test as the AVX-512 tier's, cpu/dispatch.cc).
bool use_avx512() {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  const CpuFeatures f = detect_cpu_features();
  return use_avx2() && f.f16c && f.avx512f;
#else
  return false;
#endif
}

float fma_rounds(int64_t iters) {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  if (use_avx512()) return detail::fma_rounds_avx512(iters);
#endif
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (use_avx2()) return detail::fma_rounds_avx2(iters);
#endif
  return detail::fma_rounds_portable(iters);
}

double fma_flops_per_round() {
#if defined(SIEVE_HAVE_AVX512_BUILD)
  if (use_avx512()) return detail::fma_flops_per_round_avx512();
#endif
#if defined(SIEVE_HAVE_AVX2_BUILD)
  if (use_avx2()) return detail::fma_flops_per_round_avx2();
#endif
  return detail::fma_flops_per_round_portable();
}

// Keeps results observable so the compiler cannot drop the loops.
std::atomic<float> g_sink{0};

inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Runs body(t) on threads 0..threads-1 (0 is the caller) `rounds` times in lockstep: every round
// starts all threads together and returns the wall time from the start signal to the last finish.
// Helper threads spin between rounds, which is what we want while measuring.
template <typename Body>
std::vector<double> run_rounds(int threads, int rounds, Body body) {
  std::atomic<int> go{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) {
    helpers.emplace_back([&, t] {
      for (int r = 1; r <= rounds; ++r) {
        while (go.load(std::memory_order_acquire) < r) spin_pause();
        body(t);
        finished.fetch_add(1, std::memory_order_acq_rel);
      }
    });
  }
  std::vector<double> seconds;
  for (int r = 1; r <= rounds; ++r) {
    // Wait until every helper finished the previous round, then start this one.
    while (finished.load(std::memory_order_acquire) < (r - 1) * (threads - 1)) spin_pause();
    const auto start = Clock::now();
    go.store(r, std::memory_order_release);
    body(0);
    while (finished.load(std::memory_order_acquire) < r * (threads - 1)) spin_pause();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  for (auto& h : helpers) h.join();
  return seconds;
}

}  // namespace

double measure_read_bandwidth(int64_t bytes, int threads, int repeats) {
  threads = std::max(1, threads);
  repeats = std::max(1, repeats);
  // Whole kilobytes per thread (the read loops take 4 streams x 16 floats per step).
  const int64_t per_thread = std::max<int64_t>(256, bytes / 4 / threads / 256 * 256);
  const int64_t total = per_thread * threads;
  float* data = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(total) * 4));
  if (!data) return 0.0;

  // Round 1 writes each slice from the thread that will read it (first touch), not timed.
  bool initialized = false;
  auto body = [&](int t) {
    float* slice = data + t * per_thread;
    if (!initialized) {
      for (int64_t i = 0; i < per_thread; ++i) slice[i] = 1.0f;
      return;
    }
    const float s = read_sum(slice, per_thread);
    g_sink.store(s, std::memory_order_relaxed);
  };
  run_rounds(threads, 1, body);
  initialized = true;
  const std::vector<double> seconds = run_rounds(threads, repeats, body);
  std::free(data);

  const double best = *std::min_element(seconds.begin(), seconds.end());
  return static_cast<double>(total) * 4.0 / best / 1e9;
}

double measure_fma_peak(int threads, double millis) {
  threads = std::max(1, threads);
  const double seconds_wanted = std::max(1.0, millis) / 1000.0;
  constexpr int64_t kBatch = 1 << 16;  // rounds between clock reads (~0.1 ms)
  std::vector<double> rounds_done(static_cast<size_t>(threads), 0.0);
  auto body = [&](int t) {
    const auto start = Clock::now();
    double rounds = 0;
    float sink = 0;
    do {
      sink += fma_rounds(kBatch);
      rounds += kBatch;
    } while (std::chrono::duration<double>(Clock::now() - start).count() < seconds_wanted);
    rounds_done[static_cast<size_t>(t)] = rounds;
    g_sink.store(sink, std::memory_order_relaxed);
  };
  // The first round brings the cores to their sustained clock; the second is the measurement.
  const std::vector<double> seconds = run_rounds(threads, 2, body);
  double total_rounds = 0;
  for (double r : rounds_done) total_rounds += r;
  return total_rounds * fma_flops_per_round() / seconds.back() / 1e9;
}

}  // namespace sieve::cpu
