// Shared by the GPU check driver's parts: a seeded RNG, weights in each dtype, device buffers,
// the relative-error measure, and the report (printed table + JSON). Host code only (g++).
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sieve/cpu_kernels.h"

namespace gpucheck {

// Throws with the call's text and CUDA's message; main() reports it and exits with code 3.
inline void cuda_ok(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
  }
}
#define GPU_OK(expr) ::gpucheck::cuda_ok((expr), #expr)

// splitmix64 + Box-Muller: the same numbers on every machine for a given seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }
  int64_t below(int64_t n) { return static_cast<int64_t>(uniform() * static_cast<double>(n)); }
  float normal() {
    const double u1 = uniform() + 1e-300, u2 = uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  uint64_t state_;
};

std::vector<float> random_normal(Rng& rng, int64_t n, float std_dev = 1.0f);

const char* dtype_name(sieve::WDType t);

// A weight matrix in one dtype: raw storage as the kernels take it (f32 values or 16-bit bits).
struct Weights {
  sieve::WDType dtype = sieve::WDType::F32;
  std::vector<float> f32;        // used when dtype is F32
  std::vector<uint16_t> bits;    // used when dtype is F16 or BF16
  const void* data() const { return dtype == sieve::WDType::F32 ? static_cast<const void*>(f32.data()) : bits.data(); }
  size_t bytes() const { return dtype == sieve::WDType::F32 ? f32.size() * 4 : bits.size() * 2; }
};
Weights random_weights(Rng& rng, int64_t n, sieve::WDType dtype, float std_dev = 1.0f);

// One device allocation (RAII). Copies check their errors.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes_ > 0) GPU_OK(cudaMalloc(&ptr_, bytes_));
  }
  DeviceBuffer(const void* host, size_t bytes) : DeviceBuffer(bytes) { upload(host, bytes); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr; o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }
  void upload(const void* host, size_t bytes) {
    if (bytes > 0) GPU_OK(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice));
  }
  void download(void* host, size_t bytes) const {
    if (bytes > 0) GPU_OK(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost));
  }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

template <typename T>
DeviceBuffer to_device(const std::vector<T>& v) { return DeviceBuffer(v.data(), v.size() * sizeof(T)); }

template <typename T>
std::vector<T> to_host(const DeviceBuffer& b, size_t count) {
  std::vector<T> v(count);
  b.download(v.data(), count * sizeof(T));
  return v;
}

// max |a - b| / max |b| over the arrays (b is the reference); NaN anywhere counts as infinite.
double relative_error(const float* actual, const float* expected, size_t n);

// ---- report ------------------------------------------------------------------------------------

struct ParityResult {
  std::string op;      // "gemv", "matmul", ...
  std::string kernel;  // the CUDA variant that ran
  std::string shape;   // human-readable sizes
  double error = 0;    // relative error against the CPU twin
  double bound = 0;
  bool pass = false;
};

struct BenchResult {
  std::string op;
  std::string kernel;
  std::string shape;
  double ms = 0;        // mean time per call
  double bytes = 0;     // bytes a call must move at least (the roofline's numerator)
  double flops = 0;     // 0 for memory-bound ops
  double gbps = 0;
  double tflops = 0;
  double of_roofline = 0;  // gbps / measured device-to-device bandwidth
  bool memory_bound = true;  // judged by bytes (GB/s) rather than by FLOP/s
  // Sparse kernels only (0 otherwise): time of the dense kernel on the same problem / this time,
  // and the byte-count ceiling of that ratio (dense bytes / bytes this call reads).
  double speedup = 0;
  double ceiling = 0;
};

struct DeviceFacts {
  std::string name;
  int cc_major = 0, cc_minor = 0, sms = 0;
  double mem_gib = 0;
  double l2_mib = 0;
  double theoretical_gbps = 0;  // 2 x memory clock x bus width
  double d2d_gbps = 0;          // measured cudaMemcpy device-to-device, read + write bytes
};

struct Report {
  DeviceFacts device;
  std::vector<ParityResult> parity;
  std::vector<BenchResult> bench;
  std::string status;   // sieve::cuda::status().reason
  std::string current;  // the case running now, named when an error aborts the run

  void add(const ParityResult& r);  // prints one line as it goes
  void add(const BenchResult& r);
  int failures() const;
  void print_summary() const;
  void write_json(const std::string& path) const;
};

// The parts of the run (parity_cases.cc, bench_cases.cc, teal_cases.cc). `only` is a
// comma-separated list of parity groups (gemv, matmul, rms_norm, rope, attention, teal); empty
// runs them all.
void run_parity(Report& report, const std::string& dump_dir, const std::string& only);
void run_bench(Report& report, bool quick);
void run_teal_parity(Report& report);
void run_teal_bench(Report& report, bool quick);
void measure_device(DeviceFacts& facts);

}  // namespace gpucheck
