// TEAL's GPU sparse GEMV (native/cuda/activation_sparse_gemv.cu) in the GPU check.
//
// Parity: both entry points (threshold selection in the kernel; a device index list) against the
// CPU twin, sieve::cpu::threshold_select + sieve::cpu::portable::sparse_gemv_im, on seeded random
// inputs: every weight dtype, odd sizes (scalar path), chunk boundaries, nothing kept, exact zeros
// with threshold 0, unaligned views.
//
// Timing: the linears of one Llama-3-8B block at batch 1 (fused qkv, o, fused gate+up, down; f16),
// dense GEMV and TEAL at 0/25/40/50/65% input sparsity in the same run, on the same weight bytes
// (rotated over > 3x L2). Each TEAL row prints its speedup over the dense GEMV next to the byte
// ceiling (dense bytes / bytes read); the block's sums follow, launched call by call and replayed
// from CUDA graphs. Without --quick, a sweep per linear shows where a call's time goes.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bench_common.h"
#include "check_common.h"
#include "cuda/activation_sparse_gemv.cuh"
#include "cuda/gemv.cuh"
#include "sieve/activation_sparse_kernels.h"

namespace gpucheck {
namespace {

using sieve::WDType;
namespace dev = sieve::cuda::detail;

constexpr double kF32Bound = 1e-4;  // f32 accumulate; only the summation order differs
constexpr WDType kDtypes[] = {WDType::F32, WDType::F16, WDType::BF16};

// The threshold under which a `sparsity` fraction of |x| falls: 0 for none (every nonzero input
// kept), above the largest |x| for all.
float threshold_for(const std::vector<float>& x, double sparsity) {
  std::vector<float> mag(x.size());
  std::transform(x.begin(), x.end(), mag.begin(), [](float v) { return std::fabs(v); });
  std::sort(mag.begin(), mag.end());
  if (sparsity <= 0 || mag.empty()) return 0.0f;
  if (sparsity >= 1) return 2.0f * mag.back() + 1.0f;
  return mag[static_cast<size_t>(sparsity * static_cast<double>(mag.size()))];
}

// The CPU twin's selection: inputs with |x| >= t (all when t <= 0), ascending.
std::vector<int32_t> select_inputs(const std::vector<float>& x, float t) {
  std::vector<int32_t> idx(x.size());
  const int64_t kept = sieve::cpu::threshold_select(idx.data(), x.data(), 1, static_cast<int64_t>(x.size()), t, nullptr);
  idx.resize(static_cast<size_t>(kept));
  return idx;
}

std::string sizes(int64_t k, int64_t n) { return "k=" + std::to_string(k) + " n=" + std::to_string(n); }

std::string percent(double s) { return std::to_string(static_cast<int>(std::lround(100 * s))) + "%"; }

// ---- parity --------------------------------------------------------------------------------------

struct TealCase {
  int64_t k, n;
  double sparsity;  // fraction of inputs under the threshold (or zeroed, with `zeros`)
  bool bias;
  bool unaligned;  // weight and x views off 16-byte alignment: the scalar path
  bool zeros;      // x has exact zeros and the threshold is 0 (skip zeros only)
};

void teal_case(Report& report, Rng& rng, const TealCase& c, WDType dt, const dev::SparseGemvScratch& scratch) {
  std::vector<float> x = random_normal(rng, c.k);
  if (c.zeros) {
    for (auto& v : x) v = rng.uniform() < c.sparsity ? 0.0f : v;
  }
  const float t = c.zeros ? 0.0f : threshold_for(x, c.sparsity);
  const Weights w = random_weights(rng, c.k * c.n, dt);
  const std::vector<float> bias = c.bias ? random_normal(rng, c.n) : std::vector<float>();
  const std::vector<int32_t> idx = select_inputs(x, t);
  std::vector<float> want(static_cast<size_t>(c.n));
  sieve::cpu::portable::sparse_gemv_im(want.data(), x.data(), idx.data(), static_cast<int64_t>(idx.size()), w.data(),
                                       dt, c.n, c.bias ? bias.data() : nullptr, sieve::SparseSplit::Auto);

  const size_t esize = dt == WDType::F32 ? 4 : 2;
  const size_t woff = c.unaligned ? esize : 0, xoff = c.unaligned ? 4 : 0;
  DeviceBuffer d_w(w.bytes() + 16), d_x(x.size() * 4 + 16);
  GPU_OK(cudaMemcpy(d_w.as<char>() + woff, w.data(), w.bytes(), cudaMemcpyHostToDevice));
  GPU_OK(cudaMemcpy(d_x.as<char>() + xoff, x.data(), x.size() * 4, cudaMemcpyHostToDevice));
  const void* wt = d_w.as<char>() + woff;
  const float* xs = reinterpret_cast<const float*>(d_x.as<char>() + xoff);
  DeviceBuffer d_b = c.bias ? to_device(bias) : DeviceBuffer();
  DeviceBuffer d_idx = idx.empty() ? DeviceBuffer() : to_device(idx);
  DeviceBuffer d_out(want.size() * 4);
  const float* b = c.bias ? d_b.as<float>() : nullptr;

  const std::string shape = sizes(c.k, c.n) + " " + dtype_name(dt) + " " + (c.zeros ? "zeros " : "s=") +
                            percent(c.sparsity) + " kept " + std::to_string(idx.size()) + (c.bias ? " +bias" : "") +
                            (c.unaligned ? " unaligned" : "");
  // Each entry point, with two launches and with one (scratch); the one-launch path runs twice, so
  // the second result also proves the first call left its scratch zeroed.
  for (const bool indexed : {false, true}) {
    for (const bool one_launch : {false, true}) {
      const std::string kernel = std::string(dev::activation_sparse_gemv_variant(wt, dt, c.n, indexed)) +
                                 (one_launch ? " 1L" : " 2L");
      report.current = "sparse_gemv_im " + kernel + " " + shape;
      dev::SparseGemvLaunch how;
      how.scratch = one_launch ? &scratch : nullptr;
      for (int call = 0; call < (one_launch ? 2 : 1); ++call) {
        if (indexed) {
          dev::launch_sparse_gemv_im(d_out.as<float>(), xs, d_idx.as<int32_t>(), static_cast<int64_t>(idx.size()), wt,
                                     dt, c.n, b, how);
        } else {
          dev::launch_threshold_gemv_im(d_out.as<float>(), xs, t, wt, dt, c.k, c.n, b, how);
        }
      }
      const auto got = to_host<float>(d_out, want.size());
      ParityResult r;
      r.op = "sparse_gemv_im";
      r.kernel = kernel;
      r.shape = shape;
      r.error = relative_error(got.data(), want.data(), want.size());
      r.bound = kF32Bound;
      r.pass = r.error <= r.bound;
      report.add(r);
    }
  }
}

// ---- timing --------------------------------------------------------------------------------------

struct Linear {
  const char* name;
  int64_t k, n;
};

struct Timed {
  double ms = 0, bytes = 0;
};

// The one-launch path's scratch for the whole part (zero between calls, freed at the end).
struct Scratch {
  dev::SparseGemvScratch s;
  explicit Scratch(int64_t n_max) : s(dev::alloc_sparse_gemv_scratch(n_max)) {}
  ~Scratch() { dev::free_sparse_gemv_scratch(s); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Where the time of one TEAL call goes: the two-launch path's out = bias launch alone, both paths,
// the one-launch path at smaller chunks (candidate inputs per block: more blocks, more atomics),
// and the index-list entry point, at 0% and 50%. run_teal_bench's rows use one launch, chunk 256.
void sweep_variants(Report& report, const Linear& l, const std::vector<DeviceBuffer>& ws, const DeviceBuffer& d_x,
                    DeviceBuffer& out, const std::vector<float>& x, double dense_ms, double dense_bytes,
                    const dev::SparseGemvScratch& scratch) {
  const auto& d = report.device;
  const int copies = static_cast<int>(ws.size());
  const WDType dt = WDType::F16;
  const std::string where = std::string(l.name) + " " + sizes(l.k, l.n) + " f16";
  const double init_ms = time_ms([&](int) { dev::launch_sparse_gemv_out_init(out.as<float>(), nullptr, l.n, nullptr); });
  report.add(result(d, "sparse_gemv_im", "out-init launch alone", where, init_ms, l.n * 4.0, 0, true));
  for (const double s : {0.0, 0.5}) {
    const float t = threshold_for(x, s);
    const std::vector<int32_t> idx = select_inputs(x, t);
    const double bytes = static_cast<double>(idx.size()) * l.n * 2 + (l.k + l.n) * 4.0;
    const auto add = [&](const std::string& kernel, double ms) {
      BenchResult r = result(d, "sparse_gemv_im", kernel, where + " s=" + percent(s), ms, bytes, 0, true);
      r.speedup = dense_ms / ms;
      r.ceiling = dense_bytes / bytes;
      report.add(r);
    };
    const auto threshold_ms = [&](const dev::SparseGemvLaunch& how) {
      return time_ms([&](int i) {
        dev::launch_threshold_gemv_im(out.as<float>(), d_x.as<float>(), t, ws[i % copies].as<void>(), dt, l.k, l.n,
                                      nullptr, how);
      });
    };
    add("2 launches, chunk 256", threshold_ms(dev::SparseGemvLaunch{}));
    for (const int chunk : {512, 256, 128}) {
      add("1 launch, chunk " + std::to_string(chunk), threshold_ms(dev::SparseGemvLaunch{nullptr, chunk, &scratch}));
    }
    if (s > 0) {
      DeviceBuffer d_idx = to_device(idx);
      add("index list, 1 launch", time_ms([&](int i) {
            dev::launch_sparse_gemv_im(out.as<float>(), d_x.as<float>(), d_idx.as<int32_t>(),
                                       static_cast<int64_t>(idx.size()), ws[i % copies].as<void>(), dt, l.n, nullptr,
                                       dev::SparseGemvLaunch{nullptr, 0, &scratch});
          }));
    }
  }
}

}  // namespace

void run_teal_parity(Report& report) {
  Rng rng(106);
  const TealCase cases[] = {
      {1, 1, 0.0, false, false, false},      {7, 9, 0.5, true, false, false},
      {300, 257, 0.4, true, false, false},   {256, 256, 0.25, false, false, false},
      {1000, 1000, 0.5, true, false, false}, {513, 64, 0.9, false, false, false},
      {600, 96, 1.0, true, false, false},    {2000, 300, 0.5, true, false, true},
      {500, 96, 0.5, true, true, false},     {4096, 4096, 0.65, false, false, false},
      {4096, 1100, 0.25, true, false, false}, {14336, 512, 0.5, false, false, false},
  };
  const Scratch scratch(16384);
  for (WDType dt : kDtypes) {
    for (const auto& c : cases) teal_case(report, rng, c, dt, scratch.s);
  }
}

void run_teal_bench(Report& report, bool quick) {
  report.current = "timing teal";
  Rng rng(8);
  const auto& d = report.device;
  const WDType dt = WDType::F16;
  const Linear block[] = {{"qkv", 4096, 6144}, {"o", 4096, 4096}, {"gate+up", 4096, 28672}, {"down", 14336, 4096}};
  const std::vector<double> sparsities = quick ? std::vector<double>{0.0, 0.5} : std::vector<double>{0.0, 0.25, 0.4, 0.5, 0.65};
  std::printf("\n== TEAL sparse GEMV vs dense GEMV, Llama-3-8B block linears at batch 1 (f16, same weight bytes)\n");

  const Scratch scratch(28672);
  Timed dense_total, dense_graph;
  std::vector<Timed> teal_total(sparsities.size()), teal_graph(sparsities.size());
  for (const Linear& l : block) {
    const double wbytes = static_cast<double>(l.k) * l.n * 2;
    const int copies = rotation(d, wbytes);
    std::vector<DeviceBuffer> ws;
    for (int c = 0; c < copies; ++c) ws.push_back(random_device(rng, static_cast<size_t>(wbytes), dt));
    const std::vector<float> x = random_normal(rng, l.k);
    DeviceBuffer d_x = to_device(x), out(static_cast<size_t>(l.n) * 4);
    const std::string where = std::string(l.name) + " " + sizes(l.k, l.n) + " f16";

    // Dense: the usual [n, k] GEMV over the same bytes (the layout does not change what is read).
    const double dense_bytes = wbytes + (l.k + l.n) * 4.0;
    const double dense_ms = time_ms([&](int i) {
      dev::launch_gemv(out.as<float>(), d_x.as<float>(), ws[i % copies].as<void>(), dt, l.n, l.k, nullptr, nullptr);
    });
    report.add(result(d, "gemv", dev::gemv_variant(d_x.as<float>(), ws[0].as<void>(), dt, l.k), where, dense_ms,
                      dense_bytes, 2.0 * l.k * l.n, true));
    dense_total.ms += dense_ms;
    dense_total.bytes += dense_bytes;
    const int graph_calls = std::max(8, 2 * copies);  // every copy appears in the captured calls
    dense_graph.ms += graph_time_ms(
        [&](int i, cudaStream_t stream) {
          dev::launch_gemv(out.as<float>(), d_x.as<float>(), ws[i % copies].as<void>(), dt, l.n, l.k, nullptr, stream);
        },
        graph_calls);
    dense_graph.bytes += dense_bytes;

    if (!quick) sweep_variants(report, l, ws, d_x, out, x, dense_ms, dense_bytes, scratch.s);

    for (size_t si = 0; si < sparsities.size(); ++si) {
      const float t = threshold_for(x, sparsities[si]);
      const auto kept = static_cast<double>(select_inputs(x, t).size());
      const double bytes = kept * l.n * 2 + (l.k + l.n) * 4.0;
      const double ms = time_ms([&](int i) {
        dev::launch_threshold_gemv_im(out.as<float>(), d_x.as<float>(), t, ws[i % copies].as<void>(), dt, l.k, l.n,
                                      nullptr, dev::SparseGemvLaunch{nullptr, 0, &scratch.s});
      });
      const std::string kernel =
          std::string(dev::activation_sparse_gemv_variant(ws[0].as<void>(), dt, l.n, false)) + " 1L";
      BenchResult r = result(d, "sparse_gemv_im", kernel, where + " s=" + percent(sparsities[si]), ms, bytes,
                             2.0 * kept * l.n, true);
      r.speedup = dense_ms / ms;
      r.ceiling = dense_bytes / bytes;
      report.add(r);
      teal_total[si].ms += ms;
      teal_total[si].bytes += bytes;
      teal_graph[si].ms += graph_time_ms(
          [&](int i, cudaStream_t stream) {
            dev::launch_threshold_gemv_im(out.as<float>(), d_x.as<float>(), t, ws[i % copies].as<void>(), dt, l.k, l.n,
                                          nullptr, dev::SparseGemvLaunch{stream, 0, &scratch.s});
          },
          graph_calls);
      teal_graph[si].bytes += bytes;
    }
  }
  // The block: the four linears' times summed, launched one by one and replayed from CUDA graphs.
  report.add(result(d, "gemv block", "4 linears, graphs", "Llama-3-8B block, dense", dense_graph.ms, dense_graph.bytes,
                    0, true));
  for (const bool graphs : {false, true}) {
    const Timed& dense = graphs ? dense_graph : dense_total;
    for (size_t si = 0; si < sparsities.size(); ++si) {
      const Timed& teal = graphs ? teal_graph[si] : teal_total[si];
      BenchResult r = result(d, "teal block", graphs ? "4 linears, graphs" : "4 linears summed",
                             "Llama-3-8B block, s=" + percent(sparsities[si]), teal.ms, teal.bytes, 0, true);
      r.speedup = dense.ms / teal.ms;
      r.ceiling = dense.bytes / teal.bytes;
      report.add(r);
    }
  }
}

}  // namespace gpucheck
