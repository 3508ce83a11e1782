// Public C++ API of Sieve's CPU kernels: the same op vocabulary as @sieve/core's KernelBackend
// (packages/core/src/backend/kernels.ts), on raw pointers with explicit sizes. This header is
// used by the Node binding (src/napi) and by the standalone GPU check driver (tooling/gpu), where
// these functions are the CPU twins the CUDA kernels are compared with.
//
// Every op exists in two instruction-set variants with identical signatures:
//   sieve::cpu::portable::op  plain C++ (any x86-64 or ARM compiler)
//   sieve::cpu::avx2::op      AVX2 + FMA + F16C, compiled only in files under src/cpu/avx2/
// and sieve::cpu::op dispatches to the active one at run time (see set_isa / active_isa).
// A third tier, Isa::Avx512, runs the AVX-512F kernels of src/cpu/avx512/ where they exist (the
// linears, sieve::cpu::avx512::matmul / gemv, and TEAL's input-major products, see
// activation_sparse_kernels.h) and the AVX2 ones everywhere else.
// Layout conventions are those documented in kernels.ts.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sieve {

enum class WDType : int { F32 = 0, F16 = 1, BF16 = 2 };
enum class RopeStyle : int { Interleaved = 0, Half = 1 };
enum class GeluApprox : int { None = 0, Tanh = 1 };

struct PagedAttentionParams {
  float* out;               // [numTokens, nHeads, headDim]
  const float* q;           // [numTokens, nHeads, headDim]
  const float* k_pool;      // [numPages, pageSize, nKvHeads, headDim]
  const float* v_pool;
  // [numSeqs, maxPagesPerSeq]; -1 = unmapped. A -1 page below a token's own page is a hole (e.g.
  // evicted): its positions are left out of that token's softmax. The token's own page is mapped.
  const int32_t* block_table;
  const int32_t* token_seq;    // [numTokens]
  const int32_t* token_pos;    // [numTokens]
  int64_t num_tokens;
  int64_t n_heads;
  int64_t n_kv_heads;
  int64_t head_dim;
  int64_t page_size;
  int64_t max_pages_per_seq;
  float scale;
  // Optional head subset: num_heads_subset strictly increasing query-head ids in [0, nHeads). Only
  // those heads are computed; every other head's output row is zeroed. nullptr = all heads.
  const int32_t* heads = nullptr;
  int64_t num_heads_subset = 0;
};

struct PagedKvWriteParams {
  float* k_pool;
  float* v_pool;
  const float* k;  // [numTokens, nKvHeads, headDim]
  const float* v;
  const int32_t* slots;  // [numTokens]
  int64_t num_tokens;
  int64_t n_kv_heads;
  int64_t head_dim;
};

// Declares one instruction-set variant of the whole op vocabulary.
#define SIEVE_CPU_KERNEL_DECLS                                                                           \
  void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,    \
              const float* bias);                                                                        \
  void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias); \
  void add(float* out, const float* a, const float* b, int64_t n);                                       \
  void mul(float* out, const float* a, const float* b, int64_t n);                                       \
  void scale(float* out, const float* a, float s, int64_t n);                                            \
  void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps);  \
  void layer_norm(float* out, const float* x, const float* weight, const float* bias, int64_t rows,      \
                  int64_t dim, float eps);                                                               \
  void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim,         \
            const float* inv_freq, int64_t n_freq, RopeStyle style);                                     \
  void softmax(float* out, const float* x, int64_t rows, int64_t cols);                                  \
  void log_softmax(float* out, const float* x, int64_t rows, int64_t cols);                              \
  void silu(float* out, const float* x, int64_t n);                                                      \
  void gelu(float* out, const float* x, int64_t n, GeluApprox approx);                                   \
  void relu(float* out, const float* x, int64_t n);                                                      \
  void swiglu(float* out, const float* gate, const float* up, int64_t n);                                \
  void embedding(float* out, const void* table, WDType dt, const int32_t* ids, int64_t num_ids,          \
                 int64_t dim);                                                                           \
  void argmax(int32_t* out, const float* x, int64_t rows, int64_t cols);                                 \
  void topk(float* out_values, int32_t* out_indices, const float* x, int64_t rows, int64_t cols,         \
            int64_t k);                                                                                  \
  void cross_entropy(float* out, const float* logits, const int32_t* targets, int64_t rows,              \
                     int64_t cols);                                                                      \
  void paged_kv_write(const PagedKvWriteParams& p);                                                      \
  void paged_attention(const PagedAttentionParams& p);

namespace cpu {
namespace portable {
SIEVE_CPU_KERNEL_DECLS
}
namespace avx2 {
SIEVE_CPU_KERNEL_DECLS
}
// Dispatching entry points: the active variant (see set_isa).
SIEVE_CPU_KERNEL_DECLS

namespace avx512 {
void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
            const float* bias);
void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias);
}  // namespace avx512

// Ordered: each tier runs on a CPU that has everything the tiers below it need.
enum class Isa : int { Portable = 0, Avx2 = 1, Avx512 = 2 };

// The AVX2 kernels run under Avx2 and under Avx512 (for the ops without an AVX-512 kernel).
inline bool runs_avx2(Isa isa) { return isa >= Isa::Avx2; }

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;  // and the OS saves the ZMM and mask registers
};

CpuFeatures detect_cpu_features();
// Chooses the variant used by sieve::cpu::op. Asking for a tier the CPU lacks gives the best tier
// below it that it has (Avx512 -> Avx2 -> Portable).
// Returns the variant now active. The default is the best the CPU supports.
Isa set_isa(Isa isa);
Isa active_isa();
const char* isa_name(Isa isa);

// The kernel variant name that sieve::cpu::<op> runs now, e.g. "avx2-packed-6x16" for matmul.
// op is the camelCase name used in TypeScript ("matmul", "rmsNorm", ...).
std::string kernel_name(const std::string& op);
std::vector<std::pair<std::string, std::string>> kernel_names();

// Ceilings measured on this machine: a streaming read over `bytes` bytes (GB/s) and the
// throughput of independent FMAs in registers (GFLOP/s), each with `threads` threads.
double measure_read_bandwidth(int64_t bytes, int threads, int repeats);
double measure_fma_peak(int threads, double millis);

}  // namespace cpu
}  // namespace sieve

