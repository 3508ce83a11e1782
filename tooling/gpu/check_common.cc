// Helpers of check_common.h: random data, the error measure, and the report's table and JSON.
#include "check_common.h"

#include <algorithm>
#include <cinttypes>
#include <fstream>
#include <sstream>

#include "cpu/half.h"

namespace gpucheck {

std::vector<float> random_normal(Rng& rng, int64_t n, float std_dev) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.normal() * std_dev;
  return v;
}

const char* dtype_name(sieve::WDType t) {
  switch (t) {
    case sieve::WDType::F32: return "f32";
    case sieve::WDType::F16: return "f16";
    case sieve::WDType::BF16: return "bf16";
  }
  return "?";
}

Weights random_weights(Rng& rng, int64_t n, sieve::WDType dtype, float std_dev) {
  Weights w;
  w.dtype = dtype;
  std::vector<float> v = random_normal(rng, n, std_dev);
  if (dtype == sieve::WDType::F32) {
    w.f32 = std::move(v);
    return w;
  }
  w.bits.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    w.bits[i] = dtype == sieve::WDType::F16 ? sieve::cpu::f32_to_f16(v[i]) : sieve::cpu::f32_to_bf16(v[i]);
  }
  return w;
}

double relative_error(const float* actual, const float* expected, size_t n) {
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = std::fabs(static_cast<double>(actual[i]) - static_cast<double>(expected[i]));
    if (!(d <= max_diff)) max_diff = std::isnan(d) ? INFINITY : d;
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(expected[i])));
  }
  return max_diff / std::max(max_ref, 1e-30);
}

void Report::add(const ParityResult& r) {
  parity.push_back(r);
  std::printf("  %-4s %-15s %-22s %-44s err %.3e  bound %.0e\n", r.pass ? "PASS" : "FAIL", r.op.c_str(),
              r.kernel.c_str(), r.shape.c_str(), r.error, r.bound);
  std::fflush(stdout);
}

void Report::add(const BenchResult& r) {
  bench.push_back(r);
  if (!r.memory_bound) {
    std::printf("  %-15s %-22s %-52s %9.4f ms  %8.1f TFLOP/s  (%8.1f GB/s)\n", r.op.c_str(), r.kernel.c_str(),
                r.shape.c_str(), r.ms, r.tflops, r.gbps);
  } else {
    std::printf("  %-15s %-22s %-52s %9.4f ms  %8.1f GB/s  %5.1f%% of D2D copy\n", r.op.c_str(), r.kernel.c_str(),
                r.shape.c_str(), r.ms, r.gbps, 100.0 * r.of_roofline);
  }
  if (r.speedup > 0) {
    std::printf("  %-15s %-22s %.2fx vs dense gemv; byte ceiling %.2fx; %.0f%% of the ceiling\n", "", "", r.speedup,
                r.ceiling, 100.0 * r.speedup / r.ceiling);
  }
  std::fflush(stdout);
}

int Report::failures() const {
  return static_cast<int>(std::count_if(parity.begin(), parity.end(), [](const ParityResult& r) { return !r.pass; }));
}

void Report::print_summary() const {
  std::printf("\n== summary: %zu parity cases, %d failed; %zu timings\n", parity.size(), failures(), bench.size());
  for (const auto& r : parity) {
    if (!r.pass) std::printf("  FAILED %s %s %s: err %.3e > %.0e\n", r.op.c_str(), r.kernel.c_str(), r.shape.c_str(), r.error, r.bound);
  }
}

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// JSON has no inf/NaN: a failed comparison's infinite error becomes null.
std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream o;
  o.precision(6);
  o << v;
  return o.str();
}

}  // namespace

void Report::write_json(const std::string& path) const {
  std::ostringstream j;
  j << "{\n  \"device\": {\"name\": " << quote(device.name) << ", \"computeCapability\": \"" << device.cc_major << "."
    << device.cc_minor << "\", \"sms\": " << device.sms << ", \"memGiB\": " << num(device.mem_gib)
    << ", \"l2MiB\": " << num(device.l2_mib) << ", \"theoreticalGBps\": " << num(device.theoretical_gbps)
    << ", \"d2dCopyGBps\": " << num(device.d2d_gbps) << "},\n";
  j << "  \"status\": " << quote(status) << ",\n";
  j << "  \"failures\": " << failures() << ",\n  \"parity\": [";
  for (size_t i = 0; i < parity.size(); ++i) {
    const auto& r = parity[i];
    j << (i ? ",\n    " : "\n    ") << "{\"op\": " << quote(r.op) << ", \"kernel\": " << quote(r.kernel)
      << ", \"shape\": " << quote(r.shape) << ", \"error\": " << num(r.error) << ", \"bound\": " << num(r.bound)
      << ", \"pass\": " << (r.pass ? "true" : "false") << "}";
  }
  j << "\n  ],\n  \"bench\": [";
  for (size_t i = 0; i < bench.size(); ++i) {
    const auto& r = bench[i];
    j << (i ? ",\n    " : "\n    ") << "{\"op\": " << quote(r.op) << ", \"kernel\": " << quote(r.kernel)
      << ", \"shape\": " << quote(r.shape) << ", \"ms\": " << num(r.ms) << ", \"bytes\": " << num(r.bytes)
      << ", \"flops\": " << num(r.flops) << ", \"GBps\": " << num(r.gbps) << ", \"TFLOPs\": " << num(r.tflops)
      << ", \"ofD2dCopy\": " << num(r.of_roofline) << ", \"memoryBound\": " << (r.memory_bound ? "true" : "false");
    if (r.speedup > 0) j << ", \"speedupVsDense\": " << num(r.speedup) << ", \"byteCeiling\": " << num(r.ceiling);
    j << "}";
  }
  j << "\n  ]\n}\n";
  std::ofstream f(path);
  if (!f) throw std::runtime_error("cannot write " + path);
  f << j.str();
}

}  // namespace gpucheck
