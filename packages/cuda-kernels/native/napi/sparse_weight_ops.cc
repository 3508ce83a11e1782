// Placeholder registration, replaced by the technique package's kernels in this change.
#include <napi.h>

#include "napi/registry.h"

namespace sieve::napi {

void RegisterSparseWeightOps(Napi::Env, Napi::Object) {}

}  // namespace sieve::napi
