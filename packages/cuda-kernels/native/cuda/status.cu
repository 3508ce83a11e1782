// sieve::cuda::status(): compiled is always true in this file (it exists only in nvcc builds);
// available needs a driver, a device, and a kernel image that runs on it. Nothing here may abort:
// without a driver the static CUDA runtime reports an error code, which becomes the reason.
#include <cstdio>
#include <mutex>
#include <string>

#include "cuda/common.cuh"
#include "cuda/status.cuh"

namespace sieve::cuda {
namespace {

// An empty kernel: asking for its attributes tells whether this binary has code the device runs
// (an sm_75 GPU with a build for sm_80/sm_90 would otherwise fail at the first real launch).
__global__ void probe_kernel() {}

std::string describe_device(const cudaDeviceProp& prop) {
  const double gib = static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0);
  char tail[96];
  std::snprintf(tail, sizeof(tail), " (sm_%d%d, %d SMs, %.0f GiB)", prop.major, prop.minor, prop.multiProcessorCount,
                gib);
  return std::string(prop.name) + tail;
}

Status probe() {
  Status s;
  s.compiled = true;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    s.reason = cudaGetErrorString(err);
    cudaGetLastError();  // clear the last-error slot so later calls do not report this one
    return s;
  }
  s.device_count = count;
  if (count < 1) {
    s.reason = "no CUDA-capable device is detected";
    return s;
  }
  int dev = 0;
  cudaDeviceProp prop{};
  if ((err = cudaGetDevice(&dev)) != cudaSuccess || (err = cudaGetDeviceProperties(&prop, dev)) != cudaSuccess) {
    s.reason = cudaGetErrorString(err);
    cudaGetLastError();
    return s;
  }
  cudaFuncAttributes attr{};
  err = cudaFuncGetAttributes(&attr, probe_kernel);
  if (err != cudaSuccess) {
    s.reason = describe_device(prop) + ": " + cudaGetErrorString(err) +
               " (rebuild with SIEVE_CUDA_ARCHS including " + std::to_string(prop.major * 10 + prop.minor) + ")";
    cudaGetLastError();
    return s;
  }
  s.available = true;
  s.reason = describe_device(prop);
  return s;
}

}  // namespace

Status status() {
  // The answer cannot change within a process, and the first CUDA call (runtime initialisation)
  // costs tens of milliseconds: probe once.
  static const Status cached = probe();
  return cached;
}

void synchronize() { SIEVE_CUDA_CHECK(cudaDeviceSynchronize()); }

namespace detail {

int sm_count() {
  static std::mutex mu;
  static int cached_dev = -1;
  static int cached_count = 0;
  int dev = 0;
  SIEVE_CUDA_CHECK(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  if (dev != cached_dev) {
    SIEVE_CUDA_CHECK(cudaDeviceGetAttribute(&cached_count, cudaDevAttrMultiProcessorCount, dev));
    cached_dev = dev;
  }
  return cached_count;
}

}  // namespace detail
}  // namespace sieve::cuda
