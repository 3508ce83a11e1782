// The runtime part of the addon's surface: what runs (info), how (setThreads, setIsa), and the
// two machine ceilings benchmarks are compared with (measureReadBandwidth, measureFmaPeak).
#include <string>

#include "napi/args.h"
#include "napi/registry.h"
#include "sieve/cpu_kernels.h"
#include "sieve/cuda_kernels.h"
#include "sieve/thread_pool.h"

namespace sieve::napi {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("isa", cpu::isa_name(cpu::active_isa()));

  const cpu::CpuFeatures f = cpu::detect_cpu_features();
  Napi::Object features = Napi::Object::New(env);
  features.Set("avx2", f.avx2);
  features.Set("fma", f.fma);
  features.Set("f16c", f.f16c);
  features.Set("avx512f", f.avx512f);
  out.Set("cpu", features);

  out.Set("threads", num_threads());

  Napi::Object kernels = Napi::Object::New(env);
  for (const auto& [op, name] : cpu::kernel_names()) kernels.Set(op, name);
  out.Set("kernels", kernels);

  const cuda::Status s = cuda::status();
  Napi::Object c = Napi::Object::New(env);
  c.Set("compiled", s.compiled);
  c.Set("available", s.available);
  c.Set("reason", s.reason);
  c.Set("deviceCount", s.device_count);
  out.Set("cuda", c);
  return out;
}

// Thread counts beyond this are a mistake (the pool caps at 256 as well).
constexpr int64_t kMaxThreads = 256;

int thread_count_arg(const Napi::CallbackInfo& info, int i, const char* fn) {
  const int64_t n = size_arg(info, i, fn, "threads");
  if (n < 1 || n > kMaxThreads) {
    throw Napi::RangeError::New(info.Env(), where(fn, i) + " (threads) must be between 1 and " +
                                                std::to_string(kMaxThreads));
  }
  return static_cast<int>(n);
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  set_num_threads(thread_count_arg(info, 0, "setThreads"));
  return Napi::Number::New(info.Env(), num_threads());
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "setIsa";
  if (!info[0].IsString()) {
    throw Napi::TypeError::New(info.Env(), where(fn, 0) + " (isa) must be \"auto\", \"avx512\", \"avx2\" or \"portable\"");
  }
  const std::string isa = info[0].As<Napi::String>().Utf8Value();
  cpu::Isa chosen;
  if (isa == "portable") {
    chosen = cpu::set_isa(cpu::Isa::Portable);
  } else if (isa == "avx2") {
    chosen = cpu::set_isa(cpu::Isa::Avx2);
  } else if (isa == "avx512" || isa == "auto") {
    // "auto" is the best the CPU supports, which set_isa falls back to from the top tier.
    chosen = cpu::set_isa(cpu::Isa::Avx512);
  } else {
    throw Napi::RangeError::New(info.Env(), where(fn, 0) + " (isa) must be \"auto\", \"avx512\", \"avx2\" or \"portable\", got \"" +
                                                isa + "\"");
  }
  return Napi::String::New(info.Env(), cpu::isa_name(chosen));
}

Napi::Value MeasureReadBandwidth(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "measureReadBandwidth";
  const int64_t bytes = size_arg(info, 0, fn, "bytes");
  const int threads = thread_count_arg(info, 1, fn);
  const int64_t repeats = size_arg(info, 2, fn, "repeats");
  // At least one kilobyte per thread (one step of the read loop); at most 64 GiB (a typo, not a measurement).
  if (bytes < 1024 * threads || bytes > (int64_t{64} << 30)) {
    throw Napi::RangeError::New(info.Env(), where(fn, 0) + " (bytes) must be between 1 KB x threads and 64 GiB");
  }
  if (repeats < 1 || repeats > 1000) {
    throw Napi::RangeError::New(info.Env(), where(fn, 2) + " (repeats) must be between 1 and 1000");
  }
  const double gbs = cpu::measure_read_bandwidth(bytes, threads, static_cast<int>(repeats));
  if (gbs <= 0) throw Napi::Error::New(info.Env(), std::string(fn) + ": could not allocate the buffer");
  return Napi::Number::New(info.Env(), gbs);
}

Napi::Value MeasureFmaPeak(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "measureFmaPeak";
  const int threads = thread_count_arg(info, 0, fn);
  const double millis = number_arg(info, 1, fn, "millis");
  if (!(millis > 0 && millis <= 60000)) {
    throw Napi::RangeError::New(info.Env(), where(fn, 1) + " (millis) must be in (0, 60000]");
  }
  return Napi::Number::New(info.Env(), cpu::measure_fma_peak(threads, millis));
}

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("measureReadBandwidth", Napi::Function::New(env, MeasureReadBandwidth, "measureReadBandwidth"));
  exports.Set("measureFmaPeak", Napi::Function::New(env, MeasureFmaPeak, "measureFmaPeak"));
}

}  // namespace sieve::napi
