// exports.cuda: the CUDA kernels on HOST typed arrays, for parity tests and simple callers. Each
// call checks that CUDA is usable (else throws "CUDA unavailable: <reason>"), validates every
// argument like the CPU surface does, copies the operands to freshly allocated device buffers,
// runs the kernel, copies the result back and frees the buffers (RAII, also on errors). Copies
// dominate such a call; serving keeps tensors on the device instead.
//
// Without nvcc at build time (no SIEVE_WITH_CUDA) nothing here touches the CUDA runtime: every
// function throws with the reason from sieve::cuda::status() (native/cuda_absent/status.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

#include "napi/args.h"
#include "napi/registry.h"
#include "sieve/cuda_kernels.h"

#ifdef SIEVE_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace sieve::napi {
namespace {

// Throws unless a CUDA device is usable; the message carries the status reason (no driver, no
// device, no kernel image for this GPU, or a build without nvcc).
void require_cuda(const Napi::CallbackInfo& info, const char* fn) {
  const cuda::Status s = cuda::status();
  if (!s.available) {
    throw Napi::Error::New(info.Env(), std::string("cuda.") + fn + ": CUDA unavailable: " + s.reason);
  }
}

#ifdef SIEVE_WITH_CUDA

// a * b, or a RangeError when the element count cannot be an array length.
int64_t checked_product(const Napi::CallbackInfo& info, int64_t a, int64_t b, const char* fn, const char* what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > (int64_t{1} << 53)) {
    throw Napi::RangeError::New(info.Env(), std::string("cuda.") + fn + ": " + what + " is too large");
  }
  return r;
}

// CUDA runtime failures become std::runtime_error (here and in the kernels' host wrappers);
// run() turns them into JS errors.
void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
  }
}

// One device allocation, freed when the call returns or throws.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes_ > 0) check(cudaMalloc(&ptr_, bytes_), "cudaMalloc");
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);  // an error here cannot be reported; the call already has one or none
  }

  // Allocates and fills from host memory.
  static DeviceBuffer from_host(const void* src, size_t bytes) {
    DeviceBuffer b(bytes);
    if (bytes > 0) check(cudaMemcpy(b.ptr_, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to device");
    return b;
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) {
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }

  // Copies back to host memory; synchronizes, so kernel faults surface here.
  void to_host(void* dst, size_t bytes) const {
    if (bytes > 0) check(cudaMemcpy(dst, ptr_, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy to host");
  }

  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Runs a body that may throw C++ exceptions from the CUDA layer and rethrows them as JS Errors
// (node-addon-api only converts Napi::Error by itself).
template <typename F>
Napi::Value run(const Napi::CallbackInfo& info, const char* fn, F&& body) {
  try {
    body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("cuda.") + fn + ": " + e.what());
  }
  return info.Env().Undefined();
}

WDType weight_dtype_arg(const Napi::CallbackInfo& info, int i, const char* fn) {
  const double code = number_arg(info, i, fn, "wdt");
  if (code == 0) return WDType::F32;
  if (code == 1) return WDType::F16;
  if (code == 2) return WDType::BF16;
  throw Napi::RangeError::New(info.Env(), where(fn, i) + " (wdt) must be 0 (f32), 1 (f16) or 2 (bf16)");
}

struct WeightView {
  const void* data = nullptr;
  size_t length = 0;  // elements
  size_t bytes_per_element = 4;
};

// f32 weights come as a Float32Array, f16/bf16 as raw bits in a Uint16Array.
WeightView weight_arg(const Napi::CallbackInfo& info, int i, WDType wdt, const char* fn) {
  if (wdt == WDType::F32) {
    const auto v = f32(info, i, fn, "w (a Float32Array when wdt is 0)");
    return {v.data, v.length, 4};
  }
  const auto v = u16(info, i, fn, "w (a Uint16Array when wdt is 1 or 2)");
  return {v.data, v.length, 2};
}

void require_weight_length(const Napi::CallbackInfo& info, const WeightView& w, int64_t needed, const char* fn) {
  if (w.length < static_cast<size_t>(needed)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": w has " + std::to_string(w.length) +
                                                " elements, needs " + std::to_string(needed));
  }
}

// The optional bias at argument i: a Float32Array of at least n elements, or null/undefined.
const float* bias_arg(const Napi::CallbackInfo& info, int i, int64_t n, const char* fn) {
  const auto bias = optional_f32(info, i, fn, "bias");
  if (bias.data == nullptr && !(info.Length() > static_cast<size_t>(i) && info[i].IsTypedArray())) return nullptr;
  require_length(info, bias, n, fn, "bias");
  return bias.data;
}

size_t f32_bytes(int64_t n) { return static_cast<size_t>(n) * sizeof(float); }
size_t i32_bytes(int64_t n) { return static_cast<size_t>(n) * sizeof(int32_t); }

// matmul(out, x, w, wdt, m, n, k, bias | null)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "matmul";
  require_cuda(info, fn);
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const WDType wdt = weight_dtype_arg(info, 3, fn);
  const WeightView w = weight_arg(info, 2, wdt, fn);
  const int64_t m = size_arg(info, 4, fn, "m");
  const int64_t n = size_arg(info, 5, fn, "n");
  const int64_t k = size_arg(info, 6, fn, "k");
  const int64_t out_elems = checked_product(info, m, n, fn, "m * n");
  const int64_t x_elems = checked_product(info, m, k, fn, "m * k");
  const int64_t w_elems = checked_product(info, n, k, fn, "n * k");
  require_length(info, out, out_elems, fn, "out");
  require_length(info, x, x_elems, fn, "x");
  require_weight_length(info, w, w_elems, fn);
  const float* bias = bias_arg(info, 7, n, fn);
  return run(info, fn, [&] {
    auto d_x = DeviceBuffer::from_host(x.data, f32_bytes(x_elems));
    auto d_w = DeviceBuffer::from_host(w.data, static_cast<size_t>(w_elems) * w.bytes_per_element);
    auto d_bias = DeviceBuffer::from_host(bias, bias ? f32_bytes(n) : 0);
    DeviceBuffer d_out(f32_bytes(out_elems));
    cuda::matmul(d_out.as<float>(), d_x.as<float>(), d_w.as<void>(), wdt, m, n, k, bias ? d_bias.as<float>() : nullptr);
    d_out.to_host(out.data, f32_bytes(out_elems));
  });
}

// gemv(out, x, w, wdt, n, k, bias | null)
Napi::Value Gemv(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "gemv";
  require_cuda(info, fn);
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const WDType wdt = weight_dtype_arg(info, 3, fn);
  const WeightView w = weight_arg(info, 2, wdt, fn);
  const int64_t n = size_arg(info, 4, fn, "n");
  const int64_t k = size_arg(info, 5, fn, "k");
  const int64_t w_elems = checked_product(info, n, k, fn, "n * k");
  require_length(info, out, n, fn, "out");
  require_length(info, x, k, fn, "x");
  require_weight_length(info, w, w_elems, fn);
  const float* bias = bias_arg(info, 6, n, fn);
  return run(info, fn, [&] {
    auto d_x = DeviceBuffer::from_host(x.data, f32_bytes(k));
    auto d_w = DeviceBuffer::from_host(w.data, static_cast<size_t>(w_elems) * w.bytes_per_element);
    auto d_bias = DeviceBuffer::from_host(bias, bias ? f32_bytes(n) : 0);
    DeviceBuffer d_out(f32_bytes(n));
    cuda::gemv(d_out.as<float>(), d_x.as<float>(), d_w.as<void>(), wdt, n, k, bias ? d_bias.as<float>() : nullptr);
    d_out.to_host(out.data, f32_bytes(n));
  });
}

// rmsNorm(out, x, weight, rows, dim, eps); out may be x.
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "rmsNorm";
  require_cuda(info, fn);
  const auto out = f32(info, 0, fn, "out");
  const auto x = f32(info, 1, fn, "x");
  const auto weight = f32(info, 2, fn, "weight");
  const int64_t rows = size_arg(info, 3, fn, "rows");
  const int64_t dim = size_arg(info, 4, fn, "dim");
  const double eps = number_arg(info, 5, fn, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) {
    throw Napi::RangeError::New(info.Env(), where(fn, 5) + " (eps) must be a finite number >= 0");
  }
  const int64_t elems = checked_product(info, rows, dim, fn, "rows * dim");
  require_length(info, out, elems, fn, "out");
  require_length(info, x, elems, fn, "x");
  require_length(info, weight, dim, fn, "weight");
  return run(info, fn, [&] {
    // One device buffer normalised in place: x is copied before out is written, so out === x works.
    auto d_x = DeviceBuffer::from_host(x.data, f32_bytes(elems));
    auto d_weight = DeviceBuffer::from_host(weight.data, f32_bytes(dim));
    cuda::rms_norm(d_x.as<float>(), d_x.as<float>(), d_weight.as<float>(), rows, dim, static_cast<float>(eps));
    d_x.to_host(out.data, f32_bytes(elems));
  });
}

// rope(x, positions, rows, nHeads, headDim, invFreq, style); rotates x in place.
Napi::Value Rope(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "rope";
  require_cuda(info, fn);
  const auto x = f32(info, 0, fn, "x");
  const auto positions = i32(info, 1, fn, "positions");
  const int64_t rows = size_arg(info, 2, fn, "rows");
  const int64_t n_heads = size_arg(info, 3, fn, "nHeads");
  const int64_t head_dim = size_arg(info, 4, fn, "headDim");
  const auto inv_freq = f32(info, 5, fn, "invFreq");
  const int64_t style_code = size_arg(info, 6, fn, "style");
  if (style_code > 1) {
    throw Napi::RangeError::New(info.Env(), where(fn, 6) + " (style) must be 0 (interleaved) or 1 (half)");
  }
  const int64_t n_freq = static_cast<int64_t>(inv_freq.length);
  if (2 * n_freq > head_dim) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": invFreq has " + std::to_string(n_freq) +
                                                " entries; 2 * " + std::to_string(n_freq) + " exceeds headDim " +
                                                std::to_string(head_dim));
  }
  const int64_t elems = checked_product(info, checked_product(info, rows, n_heads, fn, "rows * nHeads"), head_dim, fn,
                                        "rows * nHeads * headDim");
  require_length(info, x, elems, fn, "x");
  require_length(info, positions, rows, fn, "positions");
  const RopeStyle style = style_code == 0 ? RopeStyle::Interleaved : RopeStyle::Half;
  return run(info, fn, [&] {
    auto d_x = DeviceBuffer::from_host(x.data, f32_bytes(elems));
    auto d_pos = DeviceBuffer::from_host(positions.data, i32_bytes(rows));
    auto d_freq = DeviceBuffer::from_host(inv_freq.data, f32_bytes(n_freq));
    cuda::rope(d_x.as<float>(), d_pos.as<int32_t>(), rows, n_heads, head_dim, d_freq.as<float>(), n_freq, style);
    d_x.to_host(x.data, f32_bytes(elems));
  });
}

// pagedAttention(out, q, kPool, vPool, blockTable, tokenSeq, tokenPos, numTokens, nHeads, nKvHeads,
//                headDim, pageSize, maxPagesPerSeq, scale)
Napi::Value PagedAttention(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "pagedAttention";
  require_cuda(info, fn);
  const auto out = f32(info, 0, fn, "out");
  const auto q = f32(info, 1, fn, "q");
  const auto k_pool = f32(info, 2, fn, "kPool");
  const auto v_pool = f32(info, 3, fn, "vPool");
  const auto block_table = i32(info, 4, fn, "blockTable");
  const auto token_seq = i32(info, 5, fn, "tokenSeq");
  const auto token_pos = i32(info, 6, fn, "tokenPos");
  const int64_t num_tokens = size_arg(info, 7, fn, "numTokens");
  const int64_t n_heads = size_arg(info, 8, fn, "nHeads");
  const int64_t n_kv_heads = size_arg(info, 9, fn, "nKvHeads");
  const int64_t head_dim = size_arg(info, 10, fn, "headDim");
  const int64_t page_size = size_arg(info, 11, fn, "pageSize");
  const int64_t max_pages = size_arg(info, 12, fn, "maxPagesPerSeq");
  const double scale = number_arg(info, 13, fn, "scale");
  auto range_error = [&](const std::string& msg) { return Napi::RangeError::New(info.Env(), std::string(fn) + ": " + msg); };

  if (n_kv_heads < 1 || n_heads % n_kv_heads != 0) {
    throw range_error("nHeads (" + std::to_string(n_heads) + ") must be a multiple of nKvHeads (" +
                      std::to_string(n_kv_heads) + " >= 1)");
  }
  if (page_size < 1) throw range_error("pageSize must be >= 1");
  if (head_dim > 512) throw range_error("headDim " + std::to_string(head_dim) + " exceeds 512, the CUDA kernel's limit");
  const int64_t q_elems = checked_product(info, checked_product(info, num_tokens, n_heads, fn, "numTokens * nHeads"),
                                          head_dim, fn, "numTokens * nHeads * headDim");
  require_length(info, out, q_elems, fn, "out");
  require_length(info, q, q_elems, fn, "q");
  const int64_t slot = checked_product(info, n_kv_heads, head_dim, fn, "nKvHeads * headDim");
  const int64_t page_elems = checked_product(info, page_size, slot, fn, "pageSize * nKvHeads * headDim");
  const int64_t pool_len = static_cast<int64_t>(std::min(k_pool.length, v_pool.length));
  const int64_t num_pages = page_elems > 0 ? pool_len / page_elems : 0;
  const int64_t num_seqs = max_pages > 0 ? static_cast<int64_t>(block_table.length) / max_pages : 0;
  require_length(info, token_seq, num_tokens, fn, "tokenSeq");
  require_length(info, token_pos, num_tokens, fn, "tokenPos");
  // Every page a token reads must exist: the kernel trusts the block table.
  for (int64_t t = 0; t < num_tokens; ++t) {
    const int64_t seq = token_seq.data[t];
    const int64_t pos = token_pos.data[t];
    if (seq < 0 || seq >= num_seqs) {
      throw range_error("tokenSeq[" + std::to_string(t) + "] = " + std::to_string(seq) + " is outside the block table (" +
                        std::to_string(num_seqs) + " sequences)");
    }
    if (pos < 0 || pos >= max_pages * page_size) {
      throw range_error("tokenPos[" + std::to_string(t) + "] = " + std::to_string(pos) + " is outside 0.." +
                        std::to_string(max_pages * page_size - 1));
    }
    for (int64_t i = 0; i <= pos / page_size; ++i) {
      const int64_t page = block_table.data[seq * max_pages + i];
      if (page < 0 || page >= num_pages) {
        throw range_error("blockTable[" + std::to_string(seq) + ", " + std::to_string(i) + "] = " +
                          std::to_string(page) + " (read by token " + std::to_string(t) + ") is not a page of the pool (" +
                          std::to_string(num_pages) + " pages)");
      }
    }
  }
  return run(info, fn, [&] {
    const int64_t pool_elems = num_pages * page_elems;
    auto d_q = DeviceBuffer::from_host(q.data, f32_bytes(q_elems));
    auto d_k = DeviceBuffer::from_host(k_pool.data, f32_bytes(pool_elems));
    auto d_v = DeviceBuffer::from_host(v_pool.data, f32_bytes(pool_elems));
    auto d_table = DeviceBuffer::from_host(block_table.data, i32_bytes(num_seqs * max_pages));
    auto d_seq = DeviceBuffer::from_host(token_seq.data, i32_bytes(num_tokens));
    auto d_pos = DeviceBuffer::from_host(token_pos.data, i32_bytes(num_tokens));
    DeviceBuffer d_out(f32_bytes(q_elems));
    PagedAttentionParams p{};
    p.out = d_out.as<float>();
    p.q = d_q.as<float>();
    p.k_pool = d_k.as<float>();
    p.v_pool = d_v.as<float>();
    p.block_table = d_table.as<int32_t>();
    p.token_seq = d_seq.as<int32_t>();
    p.token_pos = d_pos.as<int32_t>();
    p.num_tokens = num_tokens;
    p.n_heads = n_heads;
    p.n_kv_heads = n_kv_heads;
    p.head_dim = head_dim;
    p.page_size = page_size;
    p.max_pages_per_seq = max_pages;
    p.scale = static_cast<float>(scale);
    cuda::paged_attention(p);
    d_out.to_host(out.data, f32_bytes(q_elems));
  });
}

// The operands both TEAL entry points share: out[n], x[k], an input-major wt[k, n], bias | null.
struct TealOperands {
  ArrayView<float> out, x;
  WDType wdt;
  WeightView wt;
  int64_t n, k;
  const float* bias;
};

TealOperands teal_operands(const Napi::CallbackInfo& info, int wt_at, const char* fn) {
  TealOperands a{f32(info, 0, fn, "out"), f32(info, 1, fn, "x"), weight_dtype_arg(info, wt_at + 1, fn), {}, 0, 0, nullptr};
  a.wt = weight_arg(info, wt_at, a.wdt, fn);
  a.n = size_arg(info, wt_at + 2, fn, "n");
  a.k = size_arg(info, wt_at + 3, fn, "k");
  require_length(info, a.out, a.n, fn, "out");
  require_length(info, a.x, a.k, fn, "x");
  require_weight_length(info, a.wt, checked_product(info, a.k, a.n, fn, "k * n"), fn);
  a.bias = bias_arg(info, wt_at + 4, a.n, fn);
  return a;
}

// Runs one TEAL product on device copies of the operands: launch(out, x, wt, bias) on device pointers.
template <typename Launch>
Napi::Value run_teal(const Napi::CallbackInfo& info, const char* fn, const TealOperands& a, Launch&& launch) {
  return run(info, fn, [&] {
    auto d_x = DeviceBuffer::from_host(a.x.data, f32_bytes(a.k));
    auto d_wt = DeviceBuffer::from_host(a.wt.data, static_cast<size_t>(a.k * a.n) * a.wt.bytes_per_element);
    auto d_bias = DeviceBuffer::from_host(a.bias, a.bias ? f32_bytes(a.n) : 0);
    DeviceBuffer d_out(f32_bytes(a.n));
    launch(d_out.as<float>(), d_x.as<float>(), d_wt.as<void>(), a.bias ? d_bias.as<float>() : nullptr);
    d_out.to_host(a.out.data, f32_bytes(a.n));
  });
}

// thresholdGemvIm(out, x, threshold, wt, wdt, n, k, bias | null): TEAL at decode, the selection
// inside the kernel (|x[j]| >= threshold; x[j] != 0 when threshold <= 0); wt is input-major [k, n].
Napi::Value ThresholdGemvIm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "thresholdGemvIm";
  require_cuda(info, fn);
  const double threshold = number_arg(info, 2, fn, "threshold");
  if (!std::isfinite(threshold)) throw Napi::RangeError::New(info.Env(), where(fn, 2) + " (threshold) must be finite");
  const TealOperands a = teal_operands(info, 3, fn);
  return run_teal(info, fn, a, [&](float* out, const float* x, const void* wt, const float* bias) {
    cuda::threshold_gemv_im(out, x, static_cast<float>(threshold), wt, a.wdt, a.k, a.n, bias);
  });
}

// sparseGemvIm(out, x, idx, count, wt, wdt, n, k, bias | null): the same over the inputs idx[0, count).
Napi::Value SparseGemvIm(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "sparseGemvIm";
  require_cuda(info, fn);
  const auto idx = i32(info, 2, fn, "idx");
  const int64_t count = size_arg(info, 3, fn, "count");
  const TealOperands a = teal_operands(info, 4, fn);
  require_length(info, idx, count, fn, "idx");
  // An index out of range would fault on the device and poison the context: refuse it here. The
  // list must also be strictly ascending, the contract of the CPU op it mirrors.
  for (int64_t i = 0; i < count; ++i) {
    if (idx.data[i] < 0 || idx.data[i] >= a.k) {
      throw Napi::RangeError::New(info.Env(), std::string("cuda.") + fn + ": idx[" + std::to_string(i) + "] = " +
                                                  std::to_string(idx.data[i]) + " is outside [0, k = " +
                                                  std::to_string(a.k) + ")");
    }
    if (i > 0 && idx.data[i] <= idx.data[i - 1]) {
      throw Napi::RangeError::New(info.Env(), std::string("cuda.") + fn + ": idx is not strictly ascending at " +
                                                  std::to_string(i));
    }
  }
  return run_teal(info, fn, a, [&](float* out, const float* x, const void* wt, const float* bias) {
    auto d_idx = DeviceBuffer::from_host(idx.data, i32_bytes(count));
    cuda::sparse_gemv_im(out, x, d_idx.as<int32_t>(), count, wt, a.wdt, a.n, bias);
  });
}

#else  // !SIEVE_WITH_CUDA

// Built without nvcc: each function only reports why (require_cuda always throws here).
Napi::Value Unavailable(const Napi::CallbackInfo& info, const char* fn) {
  require_cuda(info, fn);
  throw Napi::Error::New(info.Env(), std::string("cuda.") + fn + ": CUDA unavailable: not compiled");
}
Napi::Value Matmul(const Napi::CallbackInfo& info) { return Unavailable(info, "matmul"); }
Napi::Value Gemv(const Napi::CallbackInfo& info) { return Unavailable(info, "gemv"); }
Napi::Value RmsNorm(const Napi::CallbackInfo& info) { return Unavailable(info, "rmsNorm"); }
Napi::Value Rope(const Napi::CallbackInfo& info) { return Unavailable(info, "rope"); }
Napi::Value PagedAttention(const Napi::CallbackInfo& info) { return Unavailable(info, "pagedAttention"); }
Napi::Value ThresholdGemvIm(const Napi::CallbackInfo& info) { return Unavailable(info, "thresholdGemvIm"); }
Napi::Value SparseGemvIm(const Napi::CallbackInfo& info) { return Unavailable(info, "sparseGemvIm"); }

#endif  // SIEVE_WITH_CUDA

}  // namespace

void RegisterCudaOps(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  c.Set("gemv", Napi::Function::New(env, Gemv, "gemv"));
  c.Set("rmsNorm", Napi::Function::New(env, RmsNorm, "rmsNorm"));
  c.Set("rope", Napi::Function::New(env, Rope, "rope"));
  c.Set("pagedAttention", Napi::Function::New(env, PagedAttention, "pagedAttention"));
  c.Set("thresholdGemvIm", Napi::Function::New(env, ThresholdGemvIm, "thresholdGemvIm"));
  c.Set("sparseGemvIm", Napi::Function::New(env, SparseGemvIm, "sparseGemvIm"));
  exports.Set("cuda", c);
}

}  // namespace sieve::napi
