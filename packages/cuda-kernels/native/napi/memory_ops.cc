// allocWeightBuffer: memory for model weights from sieve/weight_pages.h, handed to JS as an
// ArrayBuffer that owns it (unmapped by the finalizer when the buffer is collected).
#include <string>

#include "napi/args.h"
#include "napi/registry.h"
#include "sieve/weight_pages.h"

namespace sieve::napi {
namespace {

// A typo, not a model: no single tensor is this large.
constexpr int64_t kMaxWeightBytes = int64_t{1} << 40;

void release_pages(Napi::Env env, void* /*data*/, WeightPages* pages) {
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(pages->mapped));
  unmap_weight_pages(*pages);
  delete pages;
}

// allocWeightBuffer(bytes) -> { buffer: ArrayBuffer of `bytes` zeroed bytes at a 2 MiB-aligned
// address, hugeAdvised: leading bytes advised for 2 MiB pages }.
Napi::Value AllocWeightBuffer(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "allocWeightBuffer";
  const int64_t bytes = size_arg(info, 0, fn, "bytes");
  if (bytes < 1 || bytes > kMaxWeightBytes) {
    throw Napi::RangeError::New(info.Env(), where(fn, 0) + " (bytes) must be between 1 and 1 TiB");
  }
  auto* pages = new WeightPages();
  if (!map_weight_pages(static_cast<size_t>(bytes), pages)) {
    delete pages;
    throw Napi::Error::New(info.Env(), std::string(fn) + ": could not map " + std::to_string(bytes) + " bytes");
  }
  Napi::Env env = info.Env();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, pages->data, pages->bytes, release_pages, pages);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(pages->mapped));
  Napi::Object out = Napi::Object::New(env);
  out.Set("buffer", buffer);
  out.Set("hugeAdvised", Napi::Number::New(env, static_cast<double>(pages->huge_advised)));
  return out;
}

}  // namespace

void RegisterMemoryOps(Napi::Env env, Napi::Object exports) {
  exports.Set("allocWeightBuffer", Napi::Function::New(env, AllocWeightBuffer, "allocWeightBuffer"));
}

}  // namespace sieve::napi
