// Self-test of the GPU check driver on a machine without a GPU: a stand-in for the CUDA runtime
// (device memory is host memory, copies are memcpy, events read a host clock) and for the CUDA
// kernel launchers (they run the AVX2 CPU kernels, a different implementation from the portable
// twins the driver compares against). It exercises every case's setup, the comparisons, the
// report, the JSON and the dumps, so the short run on a real GPU is not spent on harness bugs.
// Large shapes skip the arithmetic (their timings are meaningless here anyway).
#include <cuda_runtime.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/activation_sparse_gemv.cuh"
#include "cuda/gemv.cuh"
#include "cuda/matmul.cuh"
#include "cuda/paged_attention.cuh"
#include "cuda/rms_norm.cuh"
#include "cuda/rope.cuh"
#include "sieve/activation_sparse_kernels.h"
#include "sieve/cuda_kernels.h"

namespace {
// Arithmetic above this many multiply-adds is skipped: a 4096^3 GEMM on two cores takes seconds.
constexpr double kMaxWork = 2e8;
}  // namespace

extern "C" {

cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = std::malloc(bytes == 0 ? 1 : bytes);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  std::memset(p, value, bytes);
  return cudaSuccess;
}
const char* cudaGetErrorName(cudaError_t) { return "cudaErrorMock"; }
const char* cudaGetErrorString(cudaError_t) { return "mock error"; }
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int) {
  *prop = cudaDeviceProp{};
  std::strcpy(prop->name, "Mock GPU (CPU stand-in)");
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 132;
  prop->totalGlobalMem = size_t{16} << 30;
  prop->l2CacheSize = 50 << 20;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int) {
  *value = attr == cudaDevAttrMemoryClockRate ? 2619000 : attr == cudaDevAttrGlobalMemoryBusWidth ? 5120 : 0;
  return cudaSuccess;
}

struct MockEvent {
  std::chrono::steady_clock::time_point t;
};
cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = reinterpret_cast<cudaEvent_t>(new MockEvent());
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete reinterpret_cast<MockEvent*>(e);
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  reinterpret_cast<MockEvent*>(e)->t = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  *ms = std::chrono::duration<float, std::milli>(reinterpret_cast<MockEvent*>(b)->t - reinterpret_cast<MockEvent*>(a)->t)
            .count();
  return cudaSuccess;
}

// Streams and graphs: launches run at once (the mock kernels are synchronous), so a "captured"
// graph is empty and replaying it costs nothing. Graph timings are meaningless here, as all are.
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) {
  *s = nullptr;
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaStreamBeginCapture(cudaStream_t, cudaStreamCaptureMode) { return cudaSuccess; }
cudaError_t cudaStreamEndCapture(cudaStream_t, cudaGraph_t* g) {
  *g = nullptr;
  return cudaSuccess;
}
cudaError_t cudaGraphInstantiate(cudaGraphExec_t* e, cudaGraph_t, unsigned long long) {
  *e = nullptr;
  return cudaSuccess;
}
cudaError_t cudaGraphLaunch(cudaGraphExec_t, cudaStream_t) { return cudaSuccess; }
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t) { return cudaSuccess; }
cudaError_t cudaGraphDestroy(cudaGraph_t) { return cudaSuccess; }

}  // extern "C"

namespace sieve::cuda {

Status status() {
  Status s;
  s.compiled = true;
  s.available = true;
  s.device_count = 1;
  s.reason = "Mock GPU (CPU stand-in)";
  return s;
}

namespace detail {

void launch_gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias,
                 cudaStream_t) {
  if (static_cast<double>(n) * k <= kMaxWork) cpu::avx2::gemv(out, x, w, wdt, n, k, bias);
  // SIEVE_MOCK_BREAK=1 corrupts one output to check that a wrong kernel fails (exit code 1).
  if (n > 0 && std::getenv("SIEVE_MOCK_BREAK") != nullptr) out[n - 1] += 1.0f;
}
const char* gemv_variant(const float*, const void*, WDType, int64_t) { return "mock-avx2"; }

void launch_sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                           int64_t n, const float* bias, const SparseGemvLaunch&) {
  if (static_cast<double>(count) * n <= kMaxWork) {
    cpu::avx2::sparse_gemv_im(out, x, idx, count, wt, wdt, n, bias, SparseSplit::Auto);
  }
}
void launch_threshold_gemv_im(float* out, const float* x, float threshold, const void* wt, WDType wdt, int64_t k,
                              int64_t n, const float* bias, const SparseGemvLaunch& how) {
  std::vector<int32_t> idx(static_cast<size_t>(k));
  const int64_t count = k > 0 ? cpu::threshold_select(idx.data(), x, 1, k, threshold, nullptr) : 0;
  launch_sparse_gemv_im(out, x, idx.data(), count, wt, wdt, n, bias, how);
}
void launch_sparse_gemv_out_init(float* out, const float* bias, int64_t n, cudaStream_t) {
  for (int64_t c = 0; c < n; ++c) out[c] = bias != nullptr ? bias[c] : 0.0f;
}
SparseGemvScratch alloc_sparse_gemv_scratch(int64_t n_max) {
  SparseGemvScratch s;
  s.n_max = n_max;
  s.sums = static_cast<float*>(std::calloc(static_cast<size_t>(n_max), sizeof(float)));
  s.arrivals = static_cast<unsigned*>(std::calloc(static_cast<size_t>(n_max), sizeof(unsigned)));
  return s;
}
void free_sparse_gemv_scratch(SparseGemvScratch& s) {
  std::free(s.sums);
  std::free(s.arrivals);
  s = SparseGemvScratch{};
}
const char* activation_sparse_gemv_variant(const void*, WDType, int64_t, bool) { return "mock-avx2"; }

void launch_matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k,
                   const float* bias, cudaStream_t, MatmulVariant) {
  if (static_cast<double>(m) * n * k <= kMaxWork) cpu::avx2::matmul(out, x, w, wdt, m, n, k, bias);
}
const char* matmul_variant_name(WDType wdt, int64_t, MatmulVariant v) {
  return v == MatmulVariant::TensorCore ? (wdt == WDType::F16 ? "wmma-f16-mock" : "wmma-tf32-mock") : "mock-avx2";
}

void launch_rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps, cudaStream_t) {
  cpu::avx2::rms_norm(out, x, weight, rows, dim, eps);
}

void launch_rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim,
                 const float* inv_freq, int64_t n_freq, RopeStyle style, cudaStream_t) {
  cpu::avx2::rope(x, positions, rows, n_heads, head_dim, inv_freq, n_freq, style);
}

int paged_attention_splits(const PagedAttentionParams&) { return 1; }
void launch_paged_attention(const PagedAttentionParams& p, cudaStream_t, int) {
  if (static_cast<double>(p.num_tokens) * p.n_heads * p.max_pages_per_seq * p.page_size * p.head_dim <= kMaxWork * 4) {
    cpu::avx2::paged_attention(p);
  }
}

}  // namespace detail

// The public device-pointer API on top of the mock launchers, so a mock-linked Node addon can run
// addon.cuda.* too (checks the binding's copies and validation without a GPU).
void matmul(float* out, const float* x, const void* w, WDType wdt, int64_t m, int64_t n, int64_t k, const float* bias) {
  detail::launch_matmul(out, x, w, wdt, m, n, k, bias, nullptr);
}
void gemv(float* out, const float* x, const void* w, WDType wdt, int64_t n, int64_t k, const float* bias) {
  detail::launch_gemv(out, x, w, wdt, n, k, bias, nullptr);
}
void threshold_gemv_im(float* out, const float* x, float threshold, const void* wt, WDType wdt, int64_t k, int64_t n,
                       const float* bias) {
  detail::launch_threshold_gemv_im(out, x, threshold, wt, wdt, k, n, bias);
}
void sparse_gemv_im(float* out, const float* x, const int32_t* idx, int64_t count, const void* wt, WDType wdt,
                    int64_t n, const float* bias) {
  detail::launch_sparse_gemv_im(out, x, idx, count, wt, wdt, n, bias);
}
void rms_norm(float* out, const float* x, const float* weight, int64_t rows, int64_t dim, float eps) {
  detail::launch_rms_norm(out, x, weight, rows, dim, eps, nullptr);
}
void rope(float* x, const int32_t* positions, int64_t rows, int64_t n_heads, int64_t head_dim, const float* inv_freq,
          int64_t n_freq, RopeStyle style) {
  detail::launch_rope(x, positions, rows, n_heads, head_dim, inv_freq, n_freq, style, nullptr);
}
void paged_attention(const PagedAttentionParams& p) { detail::launch_paged_attention(p, nullptr, 0); }
void synchronize() {}

}  // namespace sieve::cuda
