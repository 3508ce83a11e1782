// The addon's entry point: gathers the functions each binding file registers.
#include <napi.h>

#include "napi/registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  sieve::napi::RegisterRuntime(env, exports);
  sieve::napi::RegisterLinearOps(env, exports);
  sieve::napi::RegisterOtherOps(env, exports);
  sieve::napi::RegisterCudaOps(env, exports);
  sieve::napi::RegisterSparseWeightOps(env, exports);
  sieve::napi::RegisterActivationSparseOps(env, exports);
  sieve::napi::RegisterMemoryOps(env, exports);
  return exports;
}

NODE_API_MODULE(sieve_kernels, Init)
