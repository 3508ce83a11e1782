// AVX2 elementwise ops: 8 lanes at a time with a masked tail, split across the thread pool when
// the array is large enough that the split outweighs waking the workers.
#include <immintrin.h>

#include "cpu/avx2/vec_math.h"
#include "cpu/parallel.h"
#include "sieve/cpu_kernels.h"

namespace sieve::cpu::avx2 {
namespace {

// Below this many elements a second thread costs more than it saves (memory-bound, ~1 ns/elem).
constexpr int64_t kGrain = 1 << 15;

// Loaders handed to an op's generic lambda: a full 8-lane load at i, or a masked one for the tail
// (never touching memory past the end). The same vector code thus computes every element.
struct FullLoad {
  int64_t i;
  __m256 operator()(const float* p) const { return _mm256_loadu_ps(p + i); }
};
struct TailLoad {
  int64_t i;
  __m256i mask;
  __m256 operator()(const float* p) const { return vec::load_tail(p + i, mask); }
};

template <typename F>
inline void map_range(float* out, int64_t begin, int64_t end, F f) {
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) _mm256_storeu_ps(out + i, f(FullLoad{i}));
  if (i < end) {
    const __m256i mask = vec::tail_mask(end - i);
    vec::store_tail(out + i, mask, f(TailLoad{i, mask}));
  }
}

template <typename F>
inline void map_parallel(float* out, int64_t n, F f) {
  auto body = [&](int64_t begin, int64_t end) { map_range(out, begin, end, f); };
  sieve::detail::parallel_for_each(n, kGrain, body);
}

}  // namespace

void add(float* out, const float* a, const float* b, int64_t n) {
  map_parallel(out, n, [=](auto ld) { return _mm256_add_ps(ld(a), ld(b)); });
}

void mul(float* out, const float* a, const float* b, int64_t n) {
  map_parallel(out, n, [=](auto ld) { return _mm256_mul_ps(ld(a), ld(b)); });
}

void scale(float* out, const float* a, float s, int64_t n) {
  const __m256 sv = _mm256_set1_ps(s);
  map_parallel(out, n, [=](auto ld) { return _mm256_mul_ps(ld(a), sv); });
}

void silu(float* out, const float* x, int64_t n) {
  map_parallel(out, n, [=](auto ld) { return vec::silu(ld(x)); });
}

void gelu(float* out, const float* x, int64_t n, GeluApprox approx) {
  if (approx == GeluApprox::Tanh) {
    map_parallel(out, n, [=](auto ld) { return vec::gelu_tanh(ld(x)); });
  } else {
    map_parallel(out, n, [=](auto ld) { return vec::gelu_erf(ld(x)); });
  }
}

void relu(float* out, const float* x, int64_t n) {
  // max(0, x) with x second: a NaN input stays NaN, as in the reference.
  map_parallel(out, n, [=](auto ld) { return _mm256_max_ps(_mm256_setzero_ps(), ld(x)); });
}

void swiglu(float* out, const float* gate, const float* up, int64_t n) {
  map_parallel(out, n, [=](auto ld) { return _mm256_mul_ps(vec::silu(ld(gate)), ld(up)); });
}

}  // namespace sieve::cpu::avx2
