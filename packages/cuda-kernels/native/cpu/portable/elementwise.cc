// Portable elementwise ops: plain loops the compiler may vectorise for the baseline ISA, split
// across the thread pool when the array is large.
#include <cmath>

#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

constexpr int64_t kGrain = 1 << 15;

template <typename F>
inline void map_parallel(int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

inline float silu1(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace

void add(float* out, const float* a, const float* b, int64_t n) {
  map_parallel(n, [=](int64_t i) { out[i] = a[i] + b[i]; });
}

void mul(float* out, const float* a, const float* b, int64_t n) {
  map_parallel(n, [=](int64_t i) { out[i] = a[i] * b[i]; });
}

void scale(float* out, const float* a, float s, int64_t n) {
  map_parallel(n, [=](int64_t i) { out[i] = a[i] * s; });
}

void silu(float* out, const float* x, int64_t n) {
  map_parallel(n, [=](int64_t i) { out[i] = silu1(x[i]); });
}

void gelu(float* out, const float* x, int64_t n, GeluApprox approx) {
  if (approx == GeluApprox::Tanh) {
    // 0.5 x (1 + tanh(u)) == x * sigmoid(2u): no cancellation near 0.
    map_parallel(n, [=](int64_t i) {
      const float v = x[i];
      const float u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
      out[i] = v / (1.0f + std::exp(-2.0f * u));
    });
  } else {
    // x * Phi(x) via erfc for negative x keeps the relative accuracy where GELU tends to 0.
    map_parallel(n, [=](int64_t i) {
      const float v = x[i];
      const float phi = v < 0.0f ? 0.5f * std::erfc(-v * 0.70710678118654752f) : 0.5f * (1.0f + std::erf(v * 0.70710678118654752f));
      out[i] = v * phi;
    });
  }
}

void relu(float* out, const float* x, int64_t n) {
  map_parallel(n, [=](int64_t i) { out[i] = x[i] < 0.0f ? 0.0f : x[i]; });
}

void swiglu(float* out, const float* gate, const float* up, int64_t n) {
  map_parallel(n, [=](int64_t i) { out[i] = silu1(gate[i]) * up[i]; });
}

}  // namespace sieve::cpu::portable
