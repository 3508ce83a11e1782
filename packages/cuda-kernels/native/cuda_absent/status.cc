// Stands in for the CUDA library when nvcc was not found at build time: only the status, so that
// the binding can report why CUDA ops are unavailable. (native/napi/cuda_ops.cc calls nothing else
// in this configuration.)
#include "sieve/cuda_kernels.h"

namespace sieve::cuda {

Status status() {
  Status s;
  s.compiled = false;
  s.available = false;
  s.reason = "built without CUDA (nvcc not found at build time)";
  s.device_count = 0;
  return s;
}

}  // namespace sieve::cuda
