// Public C++ API of the pruned-weight kernels: linear layers whose weight is stored compressed,
// out[batch, rows] = x[batch, cols] · W[rows, cols]^T (+ bias[rows]), f32 activations, f32
// accumulation, values f32 or f16 (raw bits). The byte layouts are documented in
// docs/formats/sparse-weights.md and mirrored by @sieve/weight-pruning's TypeScript converters.
//
// Decode (batch 1) is a memory stream, so each format is designed to be read once, front to back,
// with as few bytes per weight as possible; batch > 1 reads each compressed row once for all
// activation rows (it stays in L1 while the rows go by).
//
// Every kernel exists as sieve::cpu::portable::*, sieve::cpu::avx2::* (files under cpu/avx2/,
// AVX2+FMA+F16C) and a dispatching sieve::cpu::* that follows sieve::cpu::active_isa().
//
// Memory safety does not depend on the contents of the index arrays: row pointers are clamped to
// the values array, column indices to [0, cols), bits past `cols` are ignored. Malformed contents
// give wrong numbers, never out-of-bounds accesses (the TypeScript loaders validate them once).
#pragma once

#include <cstdint>
#include <string>

namespace sieve {

enum class SparseValueType : int { F32 = 0, F16 = 1 };

// N:M along each row: in every group of M consecutive columns at most N weights are kept.
// Supported (N, M): (2, 4) and (4, 8).
//   values   [rows, groups * N]        groups = ceil(cols / M); kept values in ascending column
//                                      order, slots of groups with fewer than N kept hold 0
//   indices  [rows, ceil(cols / 8)]    bytes; 2:4: the 2-bit position (0..3) of each kept value in
//                                      its group, four per byte, value t at bits 2*(t%4) of byte t/4;
//                                      4:8: one byte per group, bit p set when column 8g+p is kept
// Both patterns spend one index byte per 8 columns: 2:4 f16 reads 1.125 bytes per weight.
struct NmWeight {
  const void* values = nullptr;
  SparseValueType vdt = SparseValueType::F32;
  const uint8_t* indices = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int n = 2;
  int m = 4;
};

// Unstructured, bitmap: one bit per weight plus the kept values packed row by row.
//   bitmap   [rows, ceil(cols / 8)]    bit p of byte b set when column 8b+p is kept
//   row_ptr  [rows + 1] int32          offset of each row's first value in `values`
//   values   [nnz]                     kept values, row-major, ascending column
struct BitmapWeight {
  const void* values = nullptr;
  SparseValueType vdt = SparseValueType::F32;
  const uint8_t* bitmap = nullptr;
  const int32_t* row_ptr = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t nnz = 0;  // elements in `values`
};

// Unstructured, CSR with 16-bit column indices (cols <= 65536).
//   row_ptr  [rows + 1] int32, col [nnz] uint16, values [nnz]
struct CsrWeight {
  const void* values = nullptr;
  SparseValueType vdt = SparseValueType::F32;
  const uint16_t* col = nullptr;
  const int32_t* row_ptr = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t nnz = 0;
};

// Unstructured, blocked CSR with 8-bit column offsets: each row is cut into blocks of 256
// columns; a kept weight stores only its offset inside its block.
//   block_ptr [rows * blocks + 1] int32   offset of block (r, b)'s first value; blocks = ceil(cols / 256)
//   col_lo    [nnz] uint8                 column - 256 * b
//   values    [nnz]
struct BlockedCsrWeight {
  const void* values = nullptr;
  SparseValueType vdt = SparseValueType::F32;
  const uint8_t* col_lo = nullptr;
  const int32_t* block_ptr = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t nnz = 0;
};

// Unstructured, chunked CSR with 8-bit offsets: a row's kept weights are cut into chunks of 8
// (the last chunk of a row, or a chunk whose next weight lies 256 or more columns past its first,
// is padded with zero values at offset 0); each chunk stores a 16-bit base column, the column of
// its first weight, and every weight its 8-bit offset from it. cols <= 65536.
//   row_chunk  [rows + 1] int32   first chunk of each row
//   base       [chunks] uint16    column of each chunk's first weight
//   offset     [chunks * 8] uint8 column - base; strictly ascending within a chunk, then 0 for padding
//   values     [chunks * 8]       zeros in padding slots
// 3.25 bytes per kept f16 weight (+ padding), no prefix sums: a gather from x + base.
struct Csr8Weight {
  const void* values = nullptr;
  SparseValueType vdt = SparseValueType::F32;
  const uint8_t* offset = nullptr;
  const uint16_t* base = nullptr;
  const int32_t* row_chunk = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t chunks = 0;  // elements in `base`; values and offset hold 8 per chunk
};

// Sizes implied by the layouts above (static: internal linkage, so no copy compiled with AVX2
// flags can be shared with portable code).
static constexpr int64_t kBlockedCsrBlock = 256;
static constexpr int64_t kCsr8Chunk = 8;
static constexpr int64_t kCsr8Span = 256;  // offsets are 8-bit
static constexpr int64_t nm_groups_per_row(int64_t cols, int m) { return (cols + m - 1) / m; }
static constexpr int64_t nm_values_per_row(int64_t cols, int n, int m) { return nm_groups_per_row(cols, m) * n; }
static constexpr int64_t bytes_per_8_columns(int64_t cols) { return (cols + 7) / 8; }
static constexpr int64_t blocked_csr_blocks(int64_t cols) { return (cols + kBlockedCsrBlock - 1) / kBlockedCsrBlock; }
static constexpr bool nm_supported(int n, int m) { return (n == 2 && m == 4) || (n == 4 && m == 8); }

// Declares one instruction-set variant of every pruned-weight kernel. batch >= 1; batch 1 is the
// GEMV (decode) path, larger batches the GEMM path.
#define SIEVE_SPARSE_WEIGHT_KERNEL_DECLS                                                                   \
  void nm_linear(float* out, const float* x, int64_t batch, const NmWeight& w, const float* bias);         \
  void bitmap_linear(float* out, const float* x, int64_t batch, const BitmapWeight& w, const float* bias); \
  void csr_linear(float* out, const float* x, int64_t batch, const CsrWeight& w, const float* bias);       \
  void blocked_csr_linear(float* out, const float* x, int64_t batch, const BlockedCsrWeight& w, const float* bias); \
  void csr8_linear(float* out, const float* x, int64_t batch, const Csr8Weight& w, const float* bias);

namespace cpu {
namespace portable {
SIEVE_SPARSE_WEIGHT_KERNEL_DECLS
}
namespace avx2 {
SIEVE_SPARSE_WEIGHT_KERNEL_DECLS
}
// Dispatching entry points: the variant of sieve::cpu::active_isa().
SIEVE_SPARSE_WEIGHT_KERNEL_DECLS

// The kernel variant the dispatcher runs now for `format` ("nm-2:4", "nm-4:8", "bitmap", "csr",
// "bcsr", "csr8") at this batch size, e.g. "avx2-nm24-gemv"; "unknown" for an unknown format.
std::string sparse_weight_kernel_name(const std::string& format, int64_t batch);

}  // namespace cpu
}  // namespace sieve
