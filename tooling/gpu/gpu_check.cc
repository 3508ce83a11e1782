// Sieve's GPU check: builds without Node, runs every CUDA kernel against its CPU twin on random
// inputs (parity), then times each kernel at realistic sizes next to the measured memory
// roofline. Prints a table as it goes and writes a JSON report.
//
//   gpu_check [--json PATH] [--dump DIR] [--quick] [--no-bench] [--only GROUPS] [PATH]
//     PATH / --json  where the JSON report goes (default $OUT/gpu_check.json, else ./gpu_check.json)
//     --dump DIR     also write one GEMV and one attention case as raw .bin files for torch_check.py
//     --quick        fewer timings;  --no-bench  parity only
//     --only GROUPS  parity groups to run, comma-separated: gemv,matmul,rms_norm,rope,attention,teal
//                    (none: timings only)
//
// Exit codes: 0 all parity cases passed; 1 some failed; 2 no usable CUDA device (nothing was
// checked); 3 an error stopped the run (the report names the case that was running).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "check_common.h"
#include "sieve/cpu_kernels.h"
#include "sieve/cuda_kernels.h"
#include "sieve/thread_pool.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitNoDevice = 2;
constexpr int kExitError = 3;

struct Options {
  std::string json;
  std::string dump;
  std::string only;  // parity groups; empty: all
  bool quick = false;
  bool bench = true;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) {
      o.json = argv[++i];
    } else if (a == "--dump" && i + 1 < argc) {
      o.dump = argv[++i];
    } else if (a == "--only" && i + 1 < argc) {
      o.only = argv[++i];
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--no-bench") {
      o.bench = false;
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: gpu_check [--json PATH] [--dump DIR] [--quick] [--no-bench] [--only GROUPS] [PATH]\n");
      std::exit(0);
    } else if (!a.empty() && a[0] != '-') {
      o.json = a;
    } else {
      std::fprintf(stderr, "gpu_check: unknown argument %s\n", a.c_str());
      std::exit(kExitError);
    }
  }
  if (o.json.empty()) {
    const char* out = std::getenv("OUT");
    o.json = (out != nullptr && *out != '\0') ? std::string(out) + "/gpu_check.json" : "gpu_check.json";
  }
  return o;
}

void write_report(const gpucheck::Report& report, const std::string& path) {
  try {
    report.write_json(path);
    std::printf("JSON report: %s\n", path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_check: %s\n", e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  gpucheck::Report report;
  const sieve::cuda::Status st = sieve::cuda::status();
  report.status = st.reason;
  std::printf("sieve gpu_check\n  cuda: compiled=%s available=%s devices=%d: %s\n", st.compiled ? "yes" : "no",
              st.available ? "yes" : "no", st.device_count, st.reason.c_str());
  std::printf("  cpu twin: sieve::cpu::portable on %d threads\n", sieve::num_threads());
  if (!st.available) {
    std::printf("no usable CUDA device: nothing was checked (exit %d)\n", kExitNoDevice);
    write_report(report, opt.json);
    return kExitNoDevice;
  }

  try {
    gpucheck::measure_device(report.device);
    const auto& d = report.device;
    std::printf("  device: %s, sm_%d%d, %d SMs, %.0f GiB, L2 %.0f MiB\n", d.name.c_str(), d.cc_major, d.cc_minor, d.sms,
                d.mem_gib, d.l2_mib);
    std::printf("  memory: %.0f GB/s device-to-device copy (measured), %.0f GB/s theoretical\n", d.d2d_gbps,
                d.theoretical_gbps);
    gpucheck::run_parity(report, opt.dump, opt.only);
    if (opt.bench) gpucheck::run_bench(report, opt.quick);
  } catch (const std::exception& e) {
    std::printf("\nERROR while running %s:\n  %s\n", report.current.c_str(), e.what());
    report.print_summary();
    write_report(report, opt.json);
    return kExitError;
  }
  report.print_summary();
  write_report(report, opt.json);
  return report.failures() > 0 ? kExitFailed : 0;
}
