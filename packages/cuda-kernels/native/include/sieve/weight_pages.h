// Memory for model weights that stay put for the life of a model: mapped so that every whole
// 2 MiB piece of it can be backed by one huge page.
//
// Why: a decode step reads every weight once per token, and the sparse kernels (TEAL's skipped
// input rows, csr8's row streams) jump between rows all over a matrix. With 4 KiB pages nearly
// every jump is a TLB miss and a page walk; with 2 MiB pages a whole 8 MiB projection fits in four
// TLB entries. Measured with the TEAL GEMV at TinyLlama shapes (f16, 2 threads, a one-off C++
// driver over 3 GB pools of each kind in one process, alternating calls): +3-5% GB/s with every
// row kept, +9-12% at 65% of rows skipped, +15% at 90%; a cold 1 MiB f16 GEMV (TinyLlama's
// k/v projections) right after a q projection: 160 us in 4 KiB pages, 50 us in 2 MiB ones. @sieve/core's allocWeightStorage carves weights under 2 MiB from
// shared mappings for that reason.
#pragma once

#include <cstddef>

namespace sieve {

struct WeightPages {
  void* data = nullptr;         // 2 MiB-aligned start of `bytes` zeroed, writable bytes
  size_t bytes = 0;             // as asked
  size_t mapped = 0;            // bytes mapped at data (bytes rounded up to whole 4 KiB pages)
  size_t huge_advised = 0;      // leading bytes advised for huge pages (whole 2 MiB pieces; 0 when
                                // the OS has no such advice or refused it)
};

// Maps `bytes` (> 0) of zeroed memory at a 2 MiB-aligned address and advises the kernel to back
// its whole 2 MiB pieces with huge pages (Linux MADV_HUGEPAGE; honoured when transparent huge
// pages are "always" or "madvise"). The tail past the last whole piece stays in 4 KiB pages, so a
// tensor costs no more memory than its bytes. Returns false when the memory cannot be mapped.
bool map_weight_pages(size_t bytes, WeightPages* out);

// Unmaps what map_weight_pages mapped.
void unmap_weight_pages(const WeightPages& pages);

}  // namespace sieve
