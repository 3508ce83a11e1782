// Each binding file registers its functions on the addon's exports; binding.cc calls them all.
#pragma once

#include <napi.h>

namespace sieve::napi {

void RegisterRuntime(Napi::Env env, Napi::Object exports);     // runtime.cc: info, setThreads, setIsa, measure*
void RegisterLinearOps(Napi::Env env, Napi::Object exports);   // linear_ops.cc: matmul, gemv
void RegisterOtherOps(Napi::Env env, Napi::Object exports);    // ops.cc: every other op of the vocabulary
void RegisterCudaOps(Napi::Env env, Napi::Object exports);     // cuda_ops.cc: exports.cuda
void RegisterSparseWeightOps(Napi::Env env, Napi::Object exports);      // sparse_weight_ops.cc: N:M and unstructured sparse GEMV/GEMM
void RegisterActivationSparseOps(Napi::Env env, Napi::Object exports);  // activation_sparse_ops.cc: TEAL/CATS/DejaVu kernels
void RegisterMemoryOps(Napi::Env env, Napi::Object exports);            // memory_ops.cc: allocWeightBuffer

}  // namespace sieve::napi
