// Portable argmax and top-k over rows. Ties go to the lower index; NaN ranks below every number
// (argmax: a NaN in column 0 is kept, as nothing compares greater than it).
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "sieve/cpu_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::portable {
namespace {

using Entry = std::pair<float, int32_t>;  // (value, column)

// A strict total order for top-k: larger value first, NaN after every number, lower column first
// on ties (and among NaNs).
inline bool better(const Entry& a, const Entry& b) {
  const bool a_nan = std::isnan(a.first), b_nan = std::isnan(b.first);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && a.first != b.first) return a.first > b.first;
  return a.second < b.second;
}

// The k best of one row: a heap whose top is the worst kept entry. Columns arrive in increasing
// order, so a later column replaces the worst only when its value is strictly better; most
// columns of a large row fail the first compare.
void topk_row(float* out_values, int32_t* out_indices, const float* x, int64_t cols, int64_t k, std::vector<Entry>& heap) {
  heap.clear();
  int64_t j = 0;
  for (; j < cols && static_cast<int64_t>(heap.size()) < k; ++j) {
    heap.push_back({x[j], static_cast<int32_t>(j)});
    std::push_heap(heap.begin(), heap.end(), better);
  }
  // The worst kept value, as a plain threshold while it is a number: a later column gets in only
  // when strictly greater (a tie has the higher index, a NaN ranks last), which `!(v > threshold)`
  // rejects in one compare.
  float threshold = heap.empty() ? 0.0f : heap.front().first;
  for (; j < cols; ++j) {
    if (!std::isnan(threshold)) {
      while (j < cols && !(x[j] > threshold)) ++j;  // the hot loop: one load and one compare
      if (j == cols) break;
    }
    const Entry e{x[j], static_cast<int32_t>(j)};
    if (better(e, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = e;
      std::push_heap(heap.begin(), heap.end(), better);
      threshold = heap.front().first;
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);  // ascending in `better`: best first
  for (int64_t i = 0; i < k; ++i) {
    out_values[i] = heap[i].first;
    out_indices[i] = heap[i].second;
  }
}

}  // namespace

void argmax(int32_t* out, const float* x, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  const int64_t grain = cols >= 16384 ? 1 : 16384 / cols;
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = x + r * cols;
      int64_t best = 0;
      for (int64_t j = 1; j < cols; ++j) if (row[j] > row[best]) best = j;
      out[r] = static_cast<int32_t>(best);
    }
  });
}

void topk(float* out_values, int32_t* out_indices, const float* x, int64_t rows, int64_t cols, int64_t k) {
  if (k <= 0 || cols <= 0) return;
  const int64_t grain = cols >= 16384 ? 1 : 16384 / cols;
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<Entry> heap;
    heap.reserve(static_cast<size_t>(k));
    for (int64_t r = begin; r < end; ++r) topk_row(out_values + r * k, out_indices + r * k, x + r * cols, cols, k, heap);
  });
}

}  // namespace sieve::cpu::portable
