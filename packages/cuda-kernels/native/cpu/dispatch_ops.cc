// Dispatchers for every op except matmul/gemv (those are in dispatch_linear.cc), and the kernel
// variant name each one runs under an ISA. An op whose avx2:: variant only forwards to the
// portable kernel reports "portable", so that `sieve inspect` never claims a vector kernel that
// does not exist.
#include <string>

#include "cpu/internal.h"
#include "sieve/cpu_kernels.h"

#if defined(SIEVE_HAVE_AVX2_BUILD)
// Calls avx2::op when the AVX2 variant is active, else portable::op.
#define SIEVE_DISPATCH(op, ...)                                          \
  do {                                                                   \
    if (runs_avx2(active_isa())) return avx2::op(__VA_ARGS__);         \
    return portable::op(__VA_ARGS__);                                    \
  } while (0)
#else
#define SIEVE_DISPATCH(op, ...) return portable::op(__VA_ARGS__)
#endif

namespace sieve::cpu {

void add(float* out, const float* a, const float* b, int64_t n) { SIEVE_DISPATCH(add, out, a, b, n); }
void mul(float* out, const float* a, const float* b, int64_t n) { SIEVE_DISPATCH(mul, out, a, b, n); }
void scale(float* out, const float* a, float s, int64_t n) { SIEVE_DISPATCH(scale, out, a, s, n); }

void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps) {
  SIEVE_DISPATCH(rms_norm, out, x, weight, rows, dim, eps);
}
void layer_norm(float* out, const float* x, const float* weight, const float* bias, int64_t rows, int64_t dim,
                float eps) {
  SIEVE_DISPATCH(layer_norm, out, x, weight, bias, rows, dim, eps);
}

void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim, const float* inv_freq,
          int64_t n_freq, RopeStyle style) {
  SIEVE_DISPATCH(rope, x, positions, rows, n_heads, head_dim, inv_freq, n_freq, style);
}

void softmax(float* out, const float* x, int64_t rows, int64_t cols) { SIEVE_DISPATCH(softmax, out, x, rows, cols); }
void log_softmax(float* out, const float* x, int64_t rows, int64_t cols) {
  SIEVE_DISPATCH(log_softmax, out, x, rows, cols);
}

void silu(float* out, const float* x, int64_t n) { SIEVE_DISPATCH(silu, out, x, n); }
void gelu(float* out, const float* x, int64_t n, GeluApprox approx) { SIEVE_DISPATCH(gelu, out, x, n, approx); }
void relu(float* out, const float* x, int64_t n) { SIEVE_DISPATCH(relu, out, x, n); }
void swiglu(float* out, const float* gate, const float* up, int64_t n) { SIEVE_DISPATCH(swiglu, out, gate, up, n); }

void embedding(float* out, const void* table, WDType dt, const int32_t* ids, int64_t num_ids, int64_t dim) {
  SIEVE_DISPATCH(embedding, out, table, dt, ids, num_ids, dim);
}

void argmax(int32_t* out, const float* x, int64_t rows, int64_t cols) { SIEVE_DISPATCH(argmax, out, x, rows, cols); }
void topk(float* out_values, int32_t* out_indices, const float* x, int64_t rows, int64_t cols, int64_t k) {
  SIEVE_DISPATCH(topk, out_values, out_indices, x, rows, cols, k);
}
void cross_entropy(float* out, const float* logits, const int32_t* targets, int64_t rows, int64_t cols) {
  SIEVE_DISPATCH(cross_entropy, out, logits, targets, rows, cols);
}

void paged_kv_write(const PagedKvWriteParams& p) { SIEVE_DISPATCH(paged_kv_write, p); }
void paged_attention(const PagedAttentionParams& p) { SIEVE_DISPATCH(paged_attention, p); }

namespace detail {
namespace {

// The ops of this file. `has_avx2` is false where avx2::op forwards to the portable kernel.
struct OpVariant {
  const char* op;
  bool has_avx2;
};

constexpr OpVariant kOps[] = {
    {"add", true},        {"mul", true},         {"scale", true},     {"rmsNorm", true},
    {"layerNorm", true},  {"rope", true},        {"softmax", true},   {"logSoftmax", true},
    {"silu", true},       {"gelu", true},        {"relu", true},      {"swiglu", true},
    {"embedding", true},  {"argmax", true},      {"topk", false},     {"crossEntropy", true},
    {"pagedKvWrite", false}, {"pagedAttention", true},
};

}  // namespace

const char* ops_kernel_name(const std::string& op, Isa isa) {
  for (const OpVariant& v : kOps) {
    if (op == v.op) return runs_avx2(isa) && v.has_avx2 ? "avx2" : "portable";
  }
  return nullptr;
}

}  // namespace detail
}  // namespace sieve::cpu
