// AVX2/FMA building blocks shared by the files in this directory: a vectorised exp, the
// activation functions built on it, masked tails, and horizontal reductions.
//
// Include only from files compiled with -mavx2 -mfma -mf16c. Everything here has internal
// linkage (static inline) so that no out-of-line copy of an AVX2 function can be merged by the
// linker into code the portable variant calls.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace sieve::cpu::avx2::vec {

// A mask whose first n lanes (n clamped to [0, 8]) are set: loads and stores of a row's tail
// through it never touch memory past the row.
static inline __m256i tail_mask(int64_t n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int32_t count = static_cast<int32_t>(n < 0 ? 0 : (n > 8 ? 8 : n));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes);
}

static inline __m256 load_tail(const float* p, __m256i mask) { return _mm256_maskload_ps(p, mask); }
static inline void store_tail(float* p, __m256i mask, __m256 v) { _mm256_maskstore_ps(p, mask, v); }

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// e^x for 8 lanes, relative error below 2e-7 over the whole f32 range: overflow gives +inf,
// underflow goes through the subnormals to 0, NaN stays NaN.
// e^x = 2^n e^r with n = round(x log2 e) and |r| <= ln2/2; e^r by its Taylor series to degree 7
// (truncation error 5e-9 on that interval); 2^n applied as two exact power-of-two factors so that
// n in [-150, 129] never leaves the exponent field.
static inline __m256 exp(__m256 x) {
  // min/max return their second operand when either is NaN: keep x second so a NaN survives.
  x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);
  x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 split in two so that n * ln2_hi is exact.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-6f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

// x * sigmoid(a) = x / (1 + e^-a); an exact division keeps silu within an ulp or two of the
// reference for every x (e^-a overflowing to inf correctly gives 0).
static inline __m256 mul_sigmoid(__m256 x, __m256 a) {
  const __m256 e = exp(_mm256_sub_ps(_mm256_setzero_ps(), a));
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

static inline __m256 silu(__m256 x) { return mul_sigmoid(x, x); }

// 0.5 x (1 + tanh(u)) equals x * sigmoid(2u) exactly, which avoids tanh's cancellation near 0.
static inline __m256 gelu_tanh(__m256 x) {
  const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  const __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f),
                                 _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
  return mul_sigmoid(x, _mm256_add_ps(u, u));
}

// Exact GELU x * Phi(x) through the complementary error function:
//   Phi(x) = 1 - h for x >= 0 and h for x < 0, where h = erfc(z) / 2, z = |x| / sqrt 2.
// erfc(z) = e^{-z^2} R(z) with R smooth and bounded on [0, inf); R is a degree-10 polynomial in
// t = 1 / (1 + z/2), least-squares fitted (relative error 7e-9 in exact arithmetic, about 3e-7
// evaluated in f32) for z up to 10, past which e^{-z^2} underflows anyway. Working with h rather
// than erf keeps the relative accuracy for large negative x, where GELU tends to 0.
static inline __m256 gelu_erf(__m256 x) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  const __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign_bit, x), _mm256_set1_ps(0.70710678118654752f));
  const __m256 zc = _mm256_min_ps(z, _mm256_set1_ps(10.0f));
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(zc, _mm256_set1_ps(0.5f), _mm256_set1_ps(1.0f)));
  __m256 r = _mm256_set1_ps(0.02915900945663452f);
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.21759632229804993f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.6589532494544983f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.9913110136985779f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.7052178978919983f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.26378655433654785f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.28977516293525696f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.22227950394153595f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.28547170758247375f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.2818281650543213f));
  r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(9.17691613722127e-06f));
  const __m256 e = exp(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(z, z)));
  const __m256 h = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), e), r);
  const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 phi = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), h), h, negative);
  return _mm256_mul_ps(x, phi);
}

// Row reductions used by softmax, log-softmax and cross-entropy.

static inline float row_max(const float* x, int64_t n) {
  __m256 m0 = _mm256_set1_ps(-__builtin_inff());
  __m256 m1 = m0;
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    m0 = _mm256_max_ps(_mm256_loadu_ps(x + j), m0);
    m1 = _mm256_max_ps(_mm256_loadu_ps(x + j + 8), m1);
  }
  for (; j + 8 <= n; j += 8) m0 = _mm256_max_ps(_mm256_loadu_ps(x + j), m0);
  float m = hmax(_mm256_max_ps(m0, m1));
  for (; j < n; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// Sums over long rows add in f32 lanes for blocks of kSumBlock elements and carry the block
// totals in double: no f32 lane ever adds more than kSumBlock / 8 terms, so a 128K-wide row sums
// as accurately as a short one.
constexpr int64_t kSumBlock = 512;

// sum_j e^(x[j] - shift); when out is not null, also stores each e^(x[j] - shift) to out[j].
static inline double row_sum_exp(const float* x, int64_t n, float shift, float* out) {
  const __m256 s = _mm256_set1_ps(shift);
  double total = 0.0;
  for (int64_t block = 0; block < n; block += kSumBlock) {
    const int64_t end = block + kSumBlock < n ? block + kSumBlock : n;
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    int64_t j = block;
    for (; j + 16 <= end; j += 16) {
      const __m256 e0 = exp(_mm256_sub_ps(_mm256_loadu_ps(x + j), s));
      const __m256 e1 = exp(_mm256_sub_ps(_mm256_loadu_ps(x + j + 8), s));
      if (out) {
        _mm256_storeu_ps(out + j, e0);
        _mm256_storeu_ps(out + j + 8, e1);
      }
      acc0 = _mm256_add_ps(acc0, e0);
      acc1 = _mm256_add_ps(acc1, e1);
    }
    for (; j < end; j += 8) {
      const __m256i mask = tail_mask(end - j);
      const __m256 e = _mm256_and_ps(exp(_mm256_sub_ps(load_tail(x + j, mask), s)), _mm256_castsi256_ps(mask));
      if (out) store_tail(out + j, mask, e);
      acc0 = _mm256_add_ps(acc0, e);
    }
    total += static_cast<double>(hsum(_mm256_add_ps(acc0, acc1)));
  }
  return total;
}

}  // namespace sieve::cpu::avx2::vec
