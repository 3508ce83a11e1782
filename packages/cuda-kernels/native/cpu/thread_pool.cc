// The persistent thread pool behind sieve::parallel_for.
//
// Decode calls parallel_for hundreds of times per token, each job often only tens of
// microseconds long, so dispatch latency matters more than anything else here:
//  - workers spin briefly on a generation counter after each job (a new job in the next few
//    tens of microseconds starts without a futex wake-up), then sleep on a condition variable;
//  - the caller publishes a job with a few atomic stores and only takes the mutex to wake
//    workers that are actually asleep;
//  - chunks are claimed from one atomic word that carries the job's generation, so a worker that
//    wakes late can never claim a chunk of a newer job, and the caller never waits for a worker
//    that had nothing to do (it waits for chunks, not for threads);
//  - the caller claims chunks too, so with one thread there is no worker at all.
#include "sieve/thread_pool.h"

#include "cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sieve {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long an idle worker keeps spinning before it sleeps. Long enough to bridge the gap between
// two kernel calls of one decode step (JS glue is a few microseconds), short enough not to burn a
// core for long once the model stops.
constexpr auto kWorkerSpin = std::chrono::microseconds(200);
constexpr int kMaxThreads = 256;

int available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

int default_threads() {
  if (const char* env = std::getenv("SIEVE_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1) return static_cast<int>(std::min<long>(v, kMaxThreads));
  }
  return std::max(1, std::min(available_cores(), kMaxThreads));
}

// True on pool workers, and on a caller while it runs its share of a job: parallel_for then runs
// inline instead of re-entering the pool (which would deadlock on the dispatch mutex).
thread_local bool t_inside_job = false;

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }

  // Read without the dispatch mutex (to size a job); a concurrent resize only changes how many
  // chunks that job is cut into, never its correctness (chunks are claimed, not assigned).
  int threads() const { return threads_.load(std::memory_order_relaxed); }

  void resize(int threads) {
    std::lock_guard<std::mutex> dispatch(dispatch_mu_);
    if (threads == threads_.load(std::memory_order_relaxed)) return;
    stop_workers();
    start(threads);
  }

  void run(int64_t n, int64_t nchunks, detail::RangeFn fn, void* ctx) {
    std::lock_guard<std::mutex> dispatch(dispatch_mu_);  // one job at a time (JS worker threads)
    const uint64_t gen = generation_.load(std::memory_order_relaxed) + 1;
    fn_.store(fn, std::memory_order_relaxed);
    ctx_.store(ctx, std::memory_order_relaxed);
    n_.store(n, std::memory_order_relaxed);
    nchunks_.store(nchunks, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    claim_.store(gen << 32, std::memory_order_release);
    generation_.store(gen, std::memory_order_seq_cst);
    // Dekker pairing with the sleeper's increment-then-check: either the worker sees the new
    // generation before it sleeps, or we see it counted here and wake it under the mutex.
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lk(sleep_mu_); }
      sleep_cv_.notify_all();
    }

    t_inside_job = true;
    work(gen);
    t_inside_job = false;

    // Wait for chunks other threads claimed. Spinning is right: the caller has nothing else to do.
    int spins = 0;
    while (done_.load(std::memory_order_acquire) < nchunks) {
      if (++spins < 4096) {
        cpu_relax();
      } else {
        std::this_thread::yield();  // oversubscribed machine: let the worker run
      }
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // Claims and runs chunks of job `gen` until none are left (or a newer job replaced it).
  void work(uint64_t gen) {
    for (;;) {
      uint64_t c = claim_.load(std::memory_order_acquire);
      if ((c >> 32) != (gen & 0xffffffffu)) return;  // a newer job: not ours to touch
      const int64_t nchunks = nchunks_.load(std::memory_order_relaxed);
      const int64_t idx = static_cast<int64_t>(c & 0xffffffffu);
      if (idx >= nchunks) return;
      if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_relaxed)) continue;
      // The claim succeeded, so the job fields we read belong to `gen` (it cannot finish without us).
      const int64_t n = n_.load(std::memory_order_relaxed);
      const detail::RangeFn fn = fn_.load(std::memory_order_relaxed);
      void* ctx = ctx_.load(std::memory_order_relaxed);
      const int64_t begin = n * idx / nchunks;
      const int64_t end = n * (idx + 1) / nchunks;
      try {
        fn(ctx, begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lk(error_mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void worker_main() {
    t_inside_job = true;
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      uint64_t gen = wait_for_job(seen);
      if (gen == 0) return;  // stop
      seen = gen;
      work(gen);
    }
  }

  // Returns the new generation, or 0 when the pool is stopping.
  uint64_t wait_for_job(uint64_t seen) {
    const auto spin_until = std::chrono::steady_clock::now() + kWorkerSpin;
    for (int i = 0;; ++i) {
      if (stop_.load(std::memory_order_acquire)) return 0;
      const uint64_t g = generation_.load(std::memory_order_acquire);
      if (g != seen) return g;
      cpu_relax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() >= spin_until) break;
    }
    std::unique_lock<std::mutex> lk(sleep_mu_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    uint64_t g;
    while ((g = generation_.load(std::memory_order_seq_cst)) == seen && !stop_.load(std::memory_order_acquire)) {
      sleep_cv_.wait(lk);
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return stop_.load(std::memory_order_acquire) ? 0 : g;
  }

  void start(int threads) {
    const int n = std::max(1, std::min(threads, kMaxThreads));
    stop_.store(false);
    workers_.reserve(n - 1);
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_main(); });
    threads_.store(n, std::memory_order_relaxed);
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(sleep_mu_);
      stop_.store(true, std::memory_order_seq_cst);
    }
    sleep_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::atomic<int> threads_{1};
  std::vector<std::thread> workers_;
  std::mutex dispatch_mu_;

  // Hot words on their own cache lines: workers poll generation_, everyone hammers claim_ and done_.
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<uint64_t> claim_{0};  // (generation << 32) | next chunk index
  alignas(64) std::atomic<int64_t> done_{0};
  alignas(64) std::atomic<detail::RangeFn> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
  std::atomic<int64_t> n_{0};
  std::atomic<int64_t> nchunks_{0};

  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;

  std::mutex error_mu_;
  std::exception_ptr error_;
};

// Created on first use and deliberately never destroyed: joining threads from a static destructor
// at process exit (or addon unload) races with whatever else is exiting; the OS reclaims them.
Pool& pool() {
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

namespace detail {

void parallel_for_raw(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (t_inside_job) {
    fn(ctx, 0, n);
    return;
  }
  Pool& p = pool();
  const int64_t nchunks = std::min<int64_t>(p.threads(), std::max<int64_t>(1, n / grain));
  if (nchunks <= 1) {
    fn(ctx, 0, n);
    return;
  }
  p.run(n, nchunks, fn, ctx);
}

}  // namespace detail

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  detail::parallel_for_raw(
      n, grain,
      [](void* ctx, int64_t b, int64_t e) { (*static_cast<const std::function<void(int64_t, int64_t)>*>(ctx))(b, e); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

int num_threads() { return pool().threads(); }

void set_num_threads(int n) {
  // From inside a job, resizing would wait for the job that is waiting for us: ignore it there.
  if (t_inside_job) return;
  pool().resize(std::max(1, std::min(n, kMaxThreads)));
}

}  // namespace sieve
