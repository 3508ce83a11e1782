// Portable rotary position embedding: one cos/sin table per row (rope_angles.h), applied to
// every head of the row.
#include <vector>

#include "cpu/rope_angles.h"
#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {

void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim, const float* inv_freq,
          int64_t n_freq, RopeStyle style) {
  if (n_freq <= 0 || rows <= 0 || n_heads <= 0) return;
  const int64_t row_elems = n_heads * head_dim;
  const int64_t grain = row_elems >= 4096 ? 1 : 4096 / row_elems;
  // Pair i is (2i, 2i + 1) interleaved, or (i, i + n_freq) in the half style.
  const int64_t first_step = style == RopeStyle::Interleaved ? 2 : 1;
  const int64_t partner = style == RopeStyle::Interleaved ? 1 : n_freq;
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> c(static_cast<size_t>(n_freq)), s(static_cast<size_t>(n_freq));
    for (int64_t r = begin; r < end; ++r) {
      rope_angles(positions[r], inv_freq, n_freq, c.data(), s.data());
      for (int64_t h = 0; h < n_heads; ++h) {
        float* head = x + r * row_elems + h * head_dim;
        for (int64_t i = 0; i < n_freq; ++i) {
          float* a = head + i * first_step;
          float* b = a + partner;
          const float av = *a, bv = *b;
          *a = av * c[i] - bv * s[i];
          *b = av * s[i] + bv * c[i];
        }
      }
    }
  });
}

}  // namespace sieve::cpu::portable
