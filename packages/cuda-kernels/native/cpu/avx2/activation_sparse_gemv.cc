// AVX2 batch-1 activation-sparse kernels: the input-major sparse GEMV (TEAL) and the fused CATS
// MLP. Both walk only the rows of the kept inputs/neurons, several rows at a time (axpy_rows /
// dot_rows in activation_sparse_rows.h), each row one contiguous run of memory.
//
// Threads: by default each thread takes a contiguous slice of the active list, i.e. one contiguous
// region of the weight with the skipped rows left out, and sums into its own partial output; the
// caller adds the partials (n floats per extra thread: nothing next to the weight stream). The
// alternative, splitting output columns, cuts every row into per-thread pieces; it is kept for
// measurement (SparseSplit::Columns) and measured slower or equal (docs/results/activation-speed.md).
//
// Limit measured on the 2-core Xeon VM (tooling/activation/kernel-bench.ts, % of a read probe of
// the same bytes): rows of 8-11 KB (f32 q/o, gate/up, down) stream at ~90-98% of the probe at
// 25-65% sparsity, 4 KB rows (f16 q/o, down) at ~80-90%, and 512 B rows (f16 k/v) at 25-45%. The
// loss grows as rows get shorter, most likely because the hardware prefetchers run past the end of
// each active row into the skipped one after it: with the same kernel, skipping one contiguous
// block of rows streams k/v at ~92%, skipping every other 4 KB block at 63%. No prefetch distance,
// hint (T2, NTA) or access order (whole-row zig-zag prefetch) tried in a standalone harness
// changed that. Also tried and dropped: the dense GEMV's loop nest (one 64-byte line of every row
// per step, one accumulator vector): 0.3-3% faster in a same-binary harness A/B, but 0-3% fewer
// TinyLlama f16 tokens/s in four alternating old/new model runs; prefetching each stream's first
// lines when a call starts: no change.
// Where the rest of the f16 gap to the dense [out, in] GEMV is (0.91-0.92x its GB/s at 25%,
// 2048x2048, standalone harness, cold distinct matrices per call): not in the memory pattern
// alone. A plain read of the same pattern (4 KB rows, 25% or 65% of rows skipped at random,
// 8 streams per thread, this walk-ordered prefetch) streams at 96-98% of a dense read; adding
// f16 widening and FMAs to that read drops it to 92-95% of the same read over every row (with
// or without a per-call barrier), whether the FMAs accumulate per row in registers or into an
// accumulator vector in memory as here (in that sweep, prefetching the first lines of the row
// after a gap one row early did not help). Tried in the kernel, no change: each 8-row FMA chain
// split in two, rows padded to 4 KB + 128/256 B (set aliasing), skipping the partial-sum add,
// AVX-512 (zmm widening and FMAs: +4% in the plain-read sweep above, equal in the harness with
// this kernel's calls).
// Worse: 4 rows per group (0.91-0.93 of the same kernel over every row, against 0.96 with 8).
#include "cpu/avx2/activation_sparse_rows.h"
#include "cpu/parallel.h"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::cpu::avx2 {
namespace {

// Below this many weights per thread, waking a second thread costs more than it saves.
constexpr int64_t kWeightsPerThread = 32768;
// The partial outputs of threads 1.. of one call, owned by the calling thread.
thread_local FloatScratch t_partials;

int64_t parts_for(int64_t weights) { return imax(1, imin(num_threads(), weights / kWeightsPerThread)); }

// acc[0:len) += sum over active i in [b, e) of x[idx[i]] * wt[idx[i], c0 : c0 + len).
// Rows in flight together: 8 measured ahead of 4 and 6 (and of 2 earlier) in the batch-1 TEAL
// microbenchmark at TinyLlama-1.1B shapes (tooling/activation/kernel-bench.ts).
constexpr int kGroup = 8;
// Prefetch distance along the stream of active rows, in bytes: while one group is read, the bytes
// kPrefetchBytes further along (later columns of the same rows, or the next groups' rows) are
// prefetched. Without it each row's first lines wait for DRAM (the hardware prefetcher restarts
// at every row, whose start it cannot predict). A fixed byte distance replaced "one or more whole
// groups ahead", which prefetched 90 KB ahead on 11 KB rows (gate/up) and overflowed L1: 3-6%
// more of the read bandwidth at q/o, gate/up and down, 1 and 2 threads (8 KB and 16 KB measured
// equal within noise, 4 KB slightly lower).
constexpr int64_t kPrefetchBytes = 16384;

// The kGroup rows read together are not kGroup neighbours in the active list but row g of each of
// kGroup equal parts of it (walk_parts in activation_sparse_rows.h; the dense GEMV's 8 row
// streams, linear_stream.cc): where the kept rows
// are dense, each of the kGroup streams then runs on through consecutive rows and the hardware
// prefetcher keeps up, where 8 neighbouring rows end together and restart 8 streams every row.
// Same-run kernel bench, f16, 2 threads: q/o (4 KB rows) 80% -> 95% of the read probe with every
// row kept, +5-9% GB/s at 25-65% sparsity; down +3-7%; gate/up (11 KB rows) within noise.
template <WDType D>
void accumulate_inputs(float* acc, const float* x, const int32_t* idx, int64_t b, int64_t e, const void* wt,
                       int64_t n, int64_t c0, int64_t len) {
  walk_parts<D, kGroup>(
      idx, b, e, n, c0, len, kPrefetchBytes,
      [&](const int64_t* at, const int64_t* off, const int64_t* far, const int64_t* far_next, int64_t dc) {
        float s[kGroup];
        for (int r = 0; r < kGroup; ++r) s[r] = x[idx[at[r]]];
        axpy_rows_ahead<D, kGroup>(acc, wt, off, s, len, far, far_next, dc);
      },
      [&](int64_t i) {
        const int64_t off = static_cast<int64_t>(idx[i]) * n + c0;
        axpy_rows<D, 1>(acc, wt, &off, &x[idx[i]], len);
      });
}

inline void fill_bias(float* out, const float* bias, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) out[c] = bias ? bias[c] : 0.0f;
}

inline void zero(float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = 0.0f;
}

// out[0:n) += partials[p * n + 0:n) for p < parts.
void add_partials(float* out, const float* partials, int64_t parts, int64_t n) {
  for (int64_t p = 0; p < parts; ++p) {
    const float* src = partials + p * n;
    int64_t c = 0;
    for (; c + 8 <= n; c += 8) _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_loadu_ps(out + c), _mm256_loadu_ps(src + c)));
    for (; c < n; ++c) out[c] += src[c];
  }
}

template <WDType D>
void gemv_split_inputs(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, int64_t n,
                       const float* bias, int64_t parts) {
  float* partials = parts > 1 ? t_partials.get((parts - 1) * n) : nullptr;
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      float* acc = p == 0 ? out : partials + (p - 1) * n;
      if (p == 0) {
        fill_bias(out, bias, 0, n);
      } else {
        zero(acc, n);
      }
      accumulate_inputs<D>(acc, x, idx, count * p / parts, count * (p + 1) / parts, wt, n, 0, n);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
  if (parts > 1) add_partials(out, partials, parts - 1, n);
}

template <WDType D>
void gemv_split_columns(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, int64_t n,
                        const float* bias, int64_t parts) {
  const int64_t panels = (n + 15) / 16;  // slices of whole 16-column panels keep the vector loop full
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t c0 = imin(n, panels * p / parts * 16), c1 = imin(n, panels * (p + 1) / parts * 16);
      if (c1 <= c0) continue;
      fill_bias(out, bias, c0, c1);
      accumulate_inputs<D>(out + c0, x, idx, 0, count, wt, n, c0, c1 - c0);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
}

template <WDType D>
void gemv_typed(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, int64_t n,
                const float* bias, SparseSplit split) {
  const int64_t parts = parts_for(count * n);
  if (split == SparseSplit::Columns) return gemv_split_columns<D>(out, x, idx, count, wt, n, bias, parts);
  gemv_split_inputs<D>(out, x, idx, count, wt, n, bias, parts);
}

// One slice of kept neurons into acc[0:dim): up rows dotted with x, scaled by their activation,
// then their down_t rows accumulated; four neurons at a time so eight rows stream together.
constexpr int kCatsGroup = 4;  // neurons per step: 4 up rows, then 4 down rows in flight

template <WDType D>
void cats_slice(float* acc, const float* x, const float* act, const int32_t* idx, int64_t b, int64_t e,
                const void* up, const void* down_t, int64_t dim) {
  int64_t off[kCatsGroup];
  float h[kCatsGroup];
  int64_t i = b;
  for (; i + kCatsGroup <= e; i += kCatsGroup) {
    for (int r = 0; r < kCatsGroup; ++r) off[r] = static_cast<int64_t>(idx[i + r]) * dim;
    dot_rows<D, kCatsGroup>(h, up, off, x, dim);
    for (int r = 0; r < kCatsGroup; ++r) h[r] *= act[idx[i + r]];
    axpy_rows<D, kCatsGroup>(acc, down_t, off, h, dim);
  }
  for (; i < e; ++i) {
    off[0] = static_cast<int64_t>(idx[i]) * dim;
    dot_rows<D, 1>(h, up, off, x, dim);
    h[0] *= act[idx[i]];
    axpy_rows<D, 1>(acc, down_t, off, h, dim);
  }
}

template <WDType D>
void cats_typed(float* out, const float* x, const float* act, const int32_t* idx, int64_t count, const void* up,
                const void* down_t, int64_t dim) {
  const int64_t parts = parts_for(2 * count * dim);
  float* partials = parts > 1 ? t_partials.get((parts - 1) * dim) : nullptr;
  auto body = [=](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      float* acc = p == 0 ? out : partials + (p - 1) * dim;
      zero(acc, dim);
      cats_slice<D>(acc, x, act, idx, count * p / parts, count * (p + 1) / parts, up, down_t, dim);
    }
  };
  sieve::detail::parallel_for_each(parts, 1, body);
  if (parts > 1) add_partials(out, partials, parts - 1, dim);
}

}  // namespace

void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias, SparseSplit split) {
  if (n <= 0) return;
  switch (wdt) {
    case WDType::F32: return gemv_typed<WDType::F32>(out, x, idx, count, wt, n, bias, split);
    case WDType::F16: return gemv_typed<WDType::F16>(out, x, idx, count, wt, n, bias, split);
    case WDType::BF16: return gemv_typed<WDType::BF16>(out, x, idx, count, wt, n, bias, split);
  }
}

void cats_mlp_gemv(float* out, const float* x, const float* act, const int32_t* idx, int64_t count, const void* up,
                   const void* down_t, WDType wdt, int64_t dim) {
  if (dim <= 0) return;
  switch (wdt) {
    case WDType::F32: return cats_typed<WDType::F32>(out, x, act, idx, count, up, down_t, dim);
    case WDType::F16: return cats_typed<WDType::F16>(out, x, act, idx, count, up, down_t, dim);
    case WDType::BF16: return cats_typed<WDType::BF16>(out, x, act, idx, count, up, down_t, dim);
  }
}

}  // namespace sieve::cpu::avx2
