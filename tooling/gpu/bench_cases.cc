// Timing: each CUDA kernel at realistic sizes with CUDA events (warm-up, then enough iterations
// for ~100 ms), next to the device's ceilings measured in the same run: a device-to-device
// cudaMemcpy (read + write bytes) and the theoretical 2 x memory clock x bus width.
//
// Memory-bound kernels rotate over several copies of their big operand, together larger than
// 3x the L2 cache, so every call streams from HBM as decode does with a real model (a 32 MiB
// weight would otherwise sit in the 50 MiB L2 of an H100/H200 and report impossible bandwidth).
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "bench_common.h"
#include "check_common.h"
#include "cpu/half.h"
#include "cuda/gemv.cuh"
#include "cuda/matmul.cuh"
#include "cuda/paged_attention.cuh"
#include "cuda/rms_norm.cuh"
#include "cuda/rope.cuh"

namespace gpucheck {

using sieve::WDType;
namespace dev = sieve::cuda::detail;

// Mean milliseconds per call of fn(i) (i = call index, for rotating buffers).
double time_ms(const std::function<void(int)>& fn, double target_ms, int max_iters) {
  cudaEvent_t start, stop;
  GPU_OK(cudaEventCreate(&start));
  GPU_OK(cudaEventCreate(&stop));
  for (int i = 0; i < 3; ++i) fn(i);
  GPU_OK(cudaEventRecord(start));
  fn(3);
  GPU_OK(cudaEventRecord(stop));
  GPU_OK(cudaEventSynchronize(stop));
  float once = 0;
  GPU_OK(cudaEventElapsedTime(&once, start, stop));
  const int iters = std::clamp(static_cast<int>(target_ms / std::max(once, 1e-3f)), 5, max_iters);
  GPU_OK(cudaEventRecord(start));
  for (int i = 0; i < iters; ++i) fn(i);
  GPU_OK(cudaEventRecord(stop));
  GPU_OK(cudaEventSynchronize(stop));
  float total = 0;
  GPU_OK(cudaEventElapsedTime(&total, start, stop));
  GPU_OK(cudaEventDestroy(start));
  GPU_OK(cudaEventDestroy(stop));
  return total / iters;
}

double graph_time_ms(const std::function<void(int, cudaStream_t)>& fn, int calls, double target_ms) {
  cudaStream_t stream;
  GPU_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  GPU_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < calls; ++i) fn(i, stream);
  GPU_OK(cudaStreamEndCapture(stream, &graph));
  GPU_OK(cudaGraphInstantiate(&exec, graph, 0));
  cudaEvent_t start, stop;
  GPU_OK(cudaEventCreate(&start));
  GPU_OK(cudaEventCreate(&stop));
  const auto replay_ms = [&](int replays) {
    GPU_OK(cudaEventRecord(start, stream));
    for (int r = 0; r < replays; ++r) GPU_OK(cudaGraphLaunch(exec, stream));
    GPU_OK(cudaEventRecord(stop, stream));
    GPU_OK(cudaEventSynchronize(stop));
    float ms = 0;
    GPU_OK(cudaEventElapsedTime(&ms, start, stop));
    return static_cast<double>(ms);
  };
  replay_ms(2);  // warm-up
  const int replays = std::clamp(static_cast<int>(target_ms / std::max(replay_ms(1), 1e-3)), 5, 500);
  const double per_call = replay_ms(replays) / replays / calls;
  GPU_OK(cudaEventDestroy(start));
  GPU_OK(cudaEventDestroy(stop));
  GPU_OK(cudaGraphExecDestroy(exec));
  GPU_OK(cudaGraphDestroy(graph));
  GPU_OK(cudaStreamDestroy(stream));
  return per_call;
}

// A device buffer of `bytes` random values: one 16 MiB host chunk of normal f32 values (or their
// f16/bf16 bits) per dtype, made once, uploaded and replicated on the device. Timings only need
// realistic numbers, not independent ones, and generating gigabytes on the host would cost more
// than the timings themselves.
DeviceBuffer random_device(Rng& rng, size_t bytes, WDType dt) {
  constexpr size_t kChunk = size_t{16} << 20;
  static std::vector<uint8_t> chunks[3];
  std::vector<uint8_t>& host = chunks[static_cast<int>(dt)];
  if (host.empty()) {
    host.resize(kChunk);
    if (dt == WDType::F32) {
      auto* f = reinterpret_cast<float*>(host.data());
      for (size_t i = 0; i < kChunk / 4; ++i) f[i] = rng.normal();
    } else {
      auto* h = reinterpret_cast<uint16_t*>(host.data());
      for (size_t i = 0; i < kChunk / 2; ++i) {
        const float v = rng.normal();
        h[i] = dt == WDType::F16 ? sieve::cpu::f32_to_f16(v) : sieve::cpu::f32_to_bf16(v);
      }
    }
  }
  DeviceBuffer buf(bytes);
  const size_t first = std::min(bytes, kChunk);
  GPU_OK(cudaMemcpy(buf.as<void>(), host.data(), first, cudaMemcpyHostToDevice));
  for (size_t done = first; done < bytes;) {
    const size_t n = std::min(done, bytes - done);
    GPU_OK(cudaMemcpy(buf.as<char>() + done, buf.as<char>(), n, cudaMemcpyDeviceToDevice));
    done += n;
  }
  return buf;
}

// How many copies of a `bytes` operand make a rotation larger than 3x L2 (at least 1).
int rotation(const DeviceFacts& d, double bytes) {
  const double l2 = d.l2_mib * 1024 * 1024;
  return std::max(1, static_cast<int>(std::ceil(3.0 * l2 / bytes)));
}

BenchResult result(const DeviceFacts& d, const std::string& op, const std::string& kernel, const std::string& shape,
                   double ms, double bytes, double flops, bool memory_bound) {
  BenchResult r;
  r.op = op;
  r.kernel = kernel;
  r.shape = shape;
  r.ms = ms;
  r.bytes = bytes;
  r.flops = flops;
  r.gbps = bytes / (ms * 1e-3) / 1e9;
  r.tflops = flops / (ms * 1e-3) / 1e12;
  r.of_roofline = d.d2d_gbps > 0 ? r.gbps / d.d2d_gbps : 0;
  r.memory_bound = memory_bound;
  return r;
}

namespace {

void bench_gemv(Report& report, Rng& rng, int64_t n, int64_t k, WDType dt) {
  const size_t esize = dt == WDType::F32 ? 4 : 2;
  const double wbytes = static_cast<double>(n) * k * esize;
  const int copies = rotation(report.device, wbytes);
  std::vector<DeviceBuffer> ws;
  for (int c = 0; c < copies; ++c) ws.push_back(random_device(rng, static_cast<size_t>(wbytes), dt));
  DeviceBuffer x = random_device(rng, k * 4, WDType::F32), out(n * 4);
  const double ms = time_ms([&](int i) {
    dev::launch_gemv(out.as<float>(), x.as<float>(), ws[i % copies].as<void>(), dt, n, k, nullptr, nullptr);
  });
  const std::string shape = std::to_string(n) + "x" + std::to_string(k) + " " + dtype_name(dt) + " (" +
                            std::to_string(copies) + " copies)";
  report.add(result(report.device, "gemv", dev::gemv_variant(x.as<float>(), ws[0].as<void>(), dt, k), shape, ms,
                    wbytes + (k + n) * 4.0, 2.0 * n * k, true));
}

void bench_matmul(Report& report, Rng& rng, int64_t m, int64_t n, int64_t k, WDType dt, dev::MatmulVariant v,
                  bool memory_bound) {
  const size_t esize = dt == WDType::F32 ? 4 : 2;
  const double wbytes = static_cast<double>(n) * k * esize;
  const int copies = memory_bound ? rotation(report.device, wbytes) : 1;
  std::vector<DeviceBuffer> ws;
  for (int c = 0; c < copies; ++c) ws.push_back(random_device(rng, static_cast<size_t>(wbytes), dt));
  DeviceBuffer x = random_device(rng, m * k * 4, WDType::F32), out(m * n * 4);
  const double ms = time_ms([&](int i) {
    dev::launch_matmul(out.as<float>(), x.as<float>(), ws[i % copies].as<void>(), dt, m, n, k, nullptr, nullptr, v);
  });
  const std::string shape = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + " " + dtype_name(dt);
  report.add(result(report.device, "matmul", dev::matmul_variant_name(dt, m, v), shape, ms,
                    wbytes + (m * k + m * n) * 4.0, 2.0 * m * n * k, memory_bound));
}

void bench_rms_norm(Report& report, Rng& rng, int64_t rows, int64_t dim) {
  DeviceBuffer x = random_device(rng, rows * dim * 4, WDType::F32), w = random_device(rng, dim * 4, WDType::F32);
  DeviceBuffer out(rows * dim * 4);
  const double ms = time_ms([&](int) {
    dev::launch_rms_norm(out.as<float>(), x.as<float>(), w.as<float>(), rows, dim, 1e-5f, nullptr);
  });
  report.add(result(report.device, "rms_norm", "rms-norm-vec4", std::to_string(rows) + "x" + std::to_string(dim), ms,
                    2.0 * rows * dim * 4 + dim * 4, 0, true));
}

void bench_rope(Report& report, Rng& rng, int64_t rows, int64_t heads, int64_t hd) {
  DeviceBuffer x = random_device(rng, rows * heads * hd * 4, WDType::F32);
  std::vector<int32_t> pos(static_cast<size_t>(rows));
  std::iota(pos.begin(), pos.end(), 0);
  std::vector<float> freq(static_cast<size_t>(hd / 2));
  for (size_t i = 0; i < freq.size(); ++i) freq[i] = static_cast<float>(std::pow(500000.0, -2.0 * i / hd));
  DeviceBuffer d_pos = to_device(pos), d_freq = to_device(freq);
  const double ms = time_ms([&](int) {
    dev::launch_rope(x.as<float>(), d_pos.as<int32_t>(), rows, heads, hd, d_freq.as<float>(), hd / 2,
                     sieve::RopeStyle::Half, nullptr);
  });
  report.add(result(report.device, "rope", "rope-half",
                    std::to_string(rows) + " rows x " + std::to_string(heads) + " heads x " + std::to_string(hd), ms,
                    2.0 * rows * heads * hd * 4, 0, true));
}

// Decode (one query token per sequence at the end of its context) or one prefill sequence.
void bench_attention(Report& report, Rng& rng, const std::string& label, int64_t seqs, int64_t ctx, int64_t new_tokens,
                     int64_t n_heads, int64_t n_kv, int64_t hd, int splits) {
  const int64_t ps = 16;
  const int64_t pages_per_seq = (ctx + ps - 1) / ps;
  const int64_t num_pages = seqs * pages_per_seq;
  const double pool_bytes = static_cast<double>(num_pages) * ps * n_kv * hd * 4;
  const bool decode = new_tokens == 1;
  const int copies = decode ? rotation(report.device, 2 * pool_bytes) : 1;
  std::vector<DeviceBuffer> kp, vp;
  for (int c = 0; c < copies; ++c) {
    kp.push_back(random_device(rng, static_cast<size_t>(pool_bytes), WDType::F32));
    vp.push_back(random_device(rng, static_cast<size_t>(pool_bytes), WDType::F32));
  }
  // Pages of all sequences interleaved (page i of sequence s at i * seqs + s), as an allocator
  // serving many sequences at once would hand them out.
  std::vector<int32_t> table(static_cast<size_t>(seqs * pages_per_seq));
  for (int64_t s = 0; s < seqs; ++s)
    for (int64_t i = 0; i < pages_per_seq; ++i) table[s * pages_per_seq + i] = static_cast<int32_t>(i * seqs + s);
  std::vector<int32_t> tseq, tpos;
  for (int64_t s = 0; s < seqs; ++s) {
    for (int64_t t = ctx - new_tokens; t < ctx; ++t) {
      tseq.push_back(static_cast<int32_t>(s));
      tpos.push_back(static_cast<int32_t>(t));
    }
  }
  const int64_t T = static_cast<int64_t>(tseq.size());
  DeviceBuffer q = random_device(rng, T * n_heads * hd * 4, WDType::F32), out(T * n_heads * hd * 4);
  DeviceBuffer d_table = to_device(table), d_seq = to_device(tseq), d_pos = to_device(tpos);
  sieve::PagedAttentionParams p{};
  p.out = out.as<float>();
  p.q = q.as<float>();
  p.block_table = d_table.as<int32_t>();
  p.token_seq = d_seq.as<int32_t>();
  p.token_pos = d_pos.as<int32_t>();
  p.num_tokens = T;
  p.n_heads = n_heads;
  p.n_kv_heads = n_kv;
  p.head_dim = hd;
  p.page_size = ps;
  p.max_pages_per_seq = pages_per_seq;
  p.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const double ms = time_ms([&](int i) {
    sieve::PagedAttentionParams pi = p;
    pi.k_pool = kp[i % copies].as<float>();
    pi.v_pool = vp[i % copies].as<float>();
    dev::launch_paged_attention(pi, nullptr, splits);
  });
  p.k_pool = kp[0].as<float>();
  p.v_pool = vp[0].as<float>();
  const int used = splits > 0 ? splits : dev::paged_attention_splits(p);
  // Bytes: every key and value each sequence attends to, read once (GQA groups share them).
  double keys = 0;
  for (int64_t t = 0; t < new_tokens; ++t) keys = std::max(keys, static_cast<double>(ctx - new_tokens + t + 1));
  const double kv_bytes = static_cast<double>(seqs) * keys * n_kv * hd * 4 * 2;
  // FLOPs: QK^T and PV, 2 x 2 x hd per (query head, key).
  double pairs = 0;
  for (int64_t t = 0; t < new_tokens; ++t) pairs += static_cast<double>(ctx - new_tokens + t + 1);
  const double flops = 4.0 * hd * n_heads * seqs * pairs;
  const std::string shape = label + ": " + std::to_string(seqs) + " seq x " + std::to_string(ctx) + " ctx, " +
                            std::to_string(T) + " tok, H " + std::to_string(n_heads) + "/" + std::to_string(n_kv) +
                            " hd " + std::to_string(hd);
  report.add(result(report.device, "paged_attention", "attn splits=" + std::to_string(used), shape, ms,
                    kv_bytes + 2.0 * T * n_heads * hd * 4, flops, decode));
}

}  // namespace

void measure_device(DeviceFacts& d) {
  int dev = 0;
  GPU_OK(cudaGetDevice(&dev));
  cudaDeviceProp prop{};
  GPU_OK(cudaGetDeviceProperties(&prop, dev));
  d.name = prop.name;
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.sms = prop.multiProcessorCount;
  d.mem_gib = static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024 * 1024);
  d.l2_mib = prop.l2CacheSize / (1024.0 * 1024);
  int clock_khz = 0, bus_bits = 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, dev) == cudaSuccess &&
      cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev) == cudaSuccess) {
    d.theoretical_gbps = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;
  }
  cudaGetLastError();

  // The measured roofline: device-to-device copy of 1 GiB (counts bytes read + bytes written).
  const size_t bytes = size_t{1} << 30;
  DeviceBuffer a(bytes), b(bytes);
  GPU_OK(cudaMemset(a.as<void>(), 1, bytes));
  const double ms = time_ms([&](int) { GPU_OK(cudaMemcpy(b.as<void>(), a.as<void>(), bytes, cudaMemcpyDeviceToDevice)); },
                            200.0, 50);
  d.d2d_gbps = 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9;
}

void run_bench(Report& report, bool quick) {
  report.current = "timing";
  Rng rng(7);
  const auto& d = report.device;
  std::printf("\n== timing (CUDA events; memory-bound kernels rotate operands over > 3x L2)\n");
  std::printf("   roofline: device-to-device copy %.0f GB/s measured (read + write); theoretical %.0f GB/s\n",
              d.d2d_gbps, d.theoretical_gbps);

  bench_gemv(report, rng, 4096, 4096, WDType::F16);
  bench_gemv(report, rng, 8192, 8192, WDType::F16);
  bench_gemv(report, rng, 4096, 4096, WDType::F32);
  bench_gemv(report, rng, 8192, 8192, WDType::F32);
  if (!quick) {
    bench_gemv(report, rng, 8192, 8192, WDType::BF16);
    bench_gemv(report, rng, 14336, 4096, WDType::F16);
    bench_gemv(report, rng, 128256, 4096, WDType::F16);  // a Llama 3 LM head
  }

  bench_matmul(report, rng, 4096, 4096, 4096, WDType::F16, dev::MatmulVariant::Auto, false);
  bench_matmul(report, rng, 4096, 4096, 4096, WDType::BF16, dev::MatmulVariant::Auto, false);
  bench_matmul(report, rng, 4096, 4096, 4096, WDType::F32, dev::MatmulVariant::Auto, false);
  bench_matmul(report, rng, 16, 4096, 4096, WDType::F16, dev::MatmulVariant::Auto, true);  // batched decode
  if (!quick) {
    bench_matmul(report, rng, 4096, 4096, 4096, WDType::F16, dev::MatmulVariant::Simt, false);
    bench_matmul(report, rng, 512, 4096, 4096, WDType::F16, dev::MatmulVariant::Auto, false);  // prefill chunk
  }

  bench_rms_norm(report, rng, 4096, 4096);
  bench_rope(report, rng, 4096, 32, 128);

  bench_attention(report, rng, "decode", 1, 4096, 1, 32, 8, 128, 0);
  bench_attention(report, rng, "decode", 1, 4096, 1, 32, 8, 128, 1);
  bench_attention(report, rng, "decode", 16, 4096, 1, 32, 8, 128, 0);
  if (!quick) {
    bench_attention(report, rng, "decode", 64, 2048, 1, 32, 8, 128, 0);
    bench_attention(report, rng, "prefill", 1, 2048, 2048, 32, 8, 128, 0);
  }

  run_teal_bench(report, quick);
}

}  // namespace gpucheck
