// Parity: every CUDA kernel against its CPU twin (sieve::cpu::portable::*) on seeded random inputs,
// several shapes each: odd sizes, sizes below and above the kernels' tiles, unaligned views that
// force the scalar paths, every weight dtype, both RoPE styles with partial rotary, and paged
// attention with GQA/MQA, ragged prefill + decode batches, shuffled pages and forced key splits.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "check_common.h"
#include "cuda/gemv.cuh"
#include "cuda/matmul.cuh"
#include "cuda/paged_attention.cuh"
#include "cuda/rms_norm.cuh"
#include "cuda/rope.cuh"

namespace gpucheck {
namespace {

using sieve::WDType;
namespace cpu = sieve::cpu::portable;
namespace dev = sieve::cuda::detail;

// Bounds on the relative error (max |cuda - cpu| / max |cpu|). f32 arithmetic differs from the
// CPU only in summation order and fast-math exp/rsqrt; the tensor-core GEMM rounds x to f16 or
// tf32 (unit roundoff 2^-11), which over random inputs stays well under 2e-3.
constexpr double kF32Bound = 1e-4;
constexpr double kTensorCoreBound = 2e-3;
constexpr double kRopeBound = 1e-5;

constexpr WDType kDtypes[] = {WDType::F32, WDType::F16, WDType::BF16};

std::string fmt(const char* f, long long a, long long b = -1, long long c = -1) {
  char buf[128];
  if (c >= 0) std::snprintf(buf, sizeof(buf), f, a, b, c);
  else if (b >= 0) std::snprintf(buf, sizeof(buf), f, a, b);
  else std::snprintf(buf, sizeof(buf), f, a);
  return buf;
}

void check_and_add(Report& report, const std::string& op, const std::string& kernel, const std::string& shape,
                   const std::vector<float>& got, const std::vector<float>& want, double bound) {
  ParityResult r;
  r.op = op;
  r.kernel = kernel;
  r.shape = shape;
  r.error = relative_error(got.data(), want.data(), want.size());
  r.bound = bound;
  r.pass = r.error <= bound;
  report.add(r);
}

// A device copy of `bytes` bytes placed `offset` bytes into its allocation: offset 4 (or 2) makes
// a view that is not 16-byte aligned, as a slice of a larger tensor can be.
struct OffsetBuffer {
  DeviceBuffer buf;
  size_t offset = 0;
  OffsetBuffer(const void* host, size_t bytes, size_t off) : buf(bytes + 16), offset(off) {
    if (bytes > 0) GPU_OK(cudaMemcpy(buf.as<char>() + offset, host, bytes, cudaMemcpyHostToDevice));
  }
  template <typename T>
  T* ptr() const { return reinterpret_cast<T*>(buf.as<char>() + offset); }
};

void write_file(const std::string& dir, const std::string& name, const void* data, size_t bytes) {
  std::ofstream f(dir + "/" + name, std::ios::binary);
  if (!f) throw std::runtime_error("cannot write " + dir + "/" + name);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

// ---- gemv ----------------------------------------------------------------------------------------

struct GemvShape {
  int64_t n, k;
  bool bias;
  bool unaligned;
};

void gemv_cases(Report& report, Rng& rng, const std::string& dump_dir) {
  const GemvShape shapes[] = {{1, 1, false, false},    {7, 13, true, false},      {33, 100, false, false},
                              {64, 256, true, false},  {257, 1031, true, false},  {1000, 4096, true, false},
                              {96, 512, false, true},  {4096, 4096, false, false}, {3, 8200, true, false}};
  for (WDType dt : kDtypes) {
    for (const auto& s : shapes) {
      const auto x = random_normal(rng, s.k);
      const Weights w = random_weights(rng, s.n * s.k, dt);
      const auto bias = s.bias ? random_normal(rng, s.n) : std::vector<float>();
      std::vector<float> want(static_cast<size_t>(s.n));
      cpu::gemv(want.data(), x.data(), w.data(), dt, s.n, s.k, s.bias ? bias.data() : nullptr);

      const size_t esize = dt == WDType::F32 ? 4 : 2;
      std::string shape = fmt("n=%lld k=%lld", s.n, s.k) + " " + dtype_name(dt) + (s.bias ? " +bias" : "") +
                          (s.unaligned ? " unaligned" : "");
      report.current = "gemv " + shape;
      OffsetBuffer d_x(x.data(), x.size() * 4, s.unaligned ? 4 : 0);
      OffsetBuffer d_w(w.data(), w.bytes(), s.unaligned ? esize : 0);
      DeviceBuffer d_b = s.bias ? to_device(bias) : DeviceBuffer();
      DeviceBuffer d_out(want.size() * 4);
      dev::launch_gemv(d_out.as<float>(), d_x.ptr<float>(), d_w.ptr<void>(), dt, s.n, s.k,
                       s.bias ? d_b.as<float>() : nullptr, nullptr);
      const auto got = to_host<float>(d_out, want.size());
      check_and_add(report, "gemv", dev::gemv_variant(d_x.ptr<float>(), d_w.ptr<void>(), dt, s.k), shape, got, want,
                    kF32Bound);

      // One f16 case for the optional PyTorch cross-check (torch_check.py).
      if (!dump_dir.empty() && dt == WDType::F16 && s.n == 1000) {
        write_file(dump_dir, "gemv_x.bin", x.data(), x.size() * 4);
        write_file(dump_dir, "gemv_w.bin", w.data(), w.bytes());
        write_file(dump_dir, "gemv_bias.bin", bias.data(), bias.size() * 4);
        write_file(dump_dir, "gemv_out_cuda.bin", got.data(), got.size() * 4);
        std::ofstream(dump_dir + "/gemv_meta.json") << "{\"n\": " << s.n << ", \"k\": " << s.k << ", \"dtype\": \"f16\"}\n";
      }
    }
  }
}

// ---- matmul --------------------------------------------------------------------------------------

struct MatmulShape {
  int64_t m, n, k;
  bool bias;
  bool unaligned;
};

void matmul_cases(Report& report, Rng& rng) {
  const MatmulShape shapes[] = {{1, 64, 96, true, false},     {2, 3, 5, false, false},     {5, 1000, 8, true, false},
                                {17, 33, 65, true, false},    {64, 128, 256, false, false}, {129, 130, 131, true, false},
                                {300, 257, 511, false, false}, {256, 512, 1024, true, false}, {70, 90, 200, true, true},
                                {128, 128, 4096, false, false}};
  for (WDType dt : kDtypes) {
    for (const auto& s : shapes) {
      const auto x = random_normal(rng, s.m * s.k);
      const Weights w = random_weights(rng, s.n * s.k, dt);
      const auto bias = s.bias ? random_normal(rng, s.n) : std::vector<float>();
      std::vector<float> want(static_cast<size_t>(s.m * s.n));
      cpu::matmul(want.data(), x.data(), w.data(), dt, s.m, s.n, s.k, s.bias ? bias.data() : nullptr);

      const size_t esize = dt == WDType::F32 ? 4 : 2;
      OffsetBuffer d_x(x.data(), x.size() * 4, s.unaligned ? 4 : 0);
      OffsetBuffer d_w(w.data(), w.bytes(), s.unaligned ? esize : 0);
      DeviceBuffer d_b = s.bias ? to_device(bias) : DeviceBuffer();
      DeviceBuffer d_out(want.size() * 4);
      const std::string shape = fmt("m=%lld n=%lld k=%lld", s.m, s.n, s.k) + " " + dtype_name(dt) +
                                (s.bias ? " +bias" : "") + (s.unaligned ? " unaligned" : "");

      // Auto (what sieve::cuda::matmul runs), then each explicit variant that takes this dtype.
      std::vector<dev::MatmulVariant> variants = {dev::MatmulVariant::Auto, dev::MatmulVariant::Simt};
      if (dt != WDType::F32) variants.push_back(dev::MatmulVariant::TensorCore);
      for (auto v : variants) {
        report.current = std::string("matmul ") + dev::matmul_variant_name(dt, s.m, v) + " " + shape;
        GPU_OK(cudaMemset(d_out.as<float>(), 0xff, want.size() * 4));  // NaN: an unwritten element fails
        dev::launch_matmul(d_out.as<float>(), d_x.ptr<float>(), d_w.ptr<void>(), dt, s.m, s.n, s.k,
                           s.bias ? d_b.as<float>() : nullptr, nullptr, v);
        const auto got = to_host<float>(d_out, want.size());
        const bool tensor = std::string(dev::matmul_variant_name(dt, s.m, v)).rfind("wmma", 0) == 0;
        check_and_add(report, v == dev::MatmulVariant::Auto ? "matmul" : "matmul(forced)",
                      dev::matmul_variant_name(dt, s.m, v), shape, got, want, tensor ? kTensorCoreBound : kF32Bound);
      }
    }
  }
}

// ---- rms_norm ------------------------------------------------------------------------------------

void rms_norm_cases(Report& report, Rng& rng) {
  struct S {
    int64_t rows, dim;
    bool in_place;
  };
  const S shapes[] = {{1, 1, false}, {3, 7, false}, {5, 4096, false}, {33, 5120, true}, {128, 4099, false}, {2, 96, true}};
  for (const auto& s : shapes) {
    auto x = random_normal(rng, s.rows * s.dim, 3.0f);
    const auto weight = random_normal(rng, s.dim);
    const float eps = 1e-5f;
    std::vector<float> want(x.size());
    cpu::rms_norm(want.data(), x.data(), weight.data(), s.rows, s.dim, eps);
    report.current = fmt("rms_norm rows=%lld dim=%lld", s.rows, s.dim);
    DeviceBuffer d_x = to_device(x), d_w = to_device(weight);
    DeviceBuffer d_out(x.size() * 4);
    float* out = s.in_place ? d_x.as<float>() : d_out.as<float>();
    dev::launch_rms_norm(out, d_x.as<float>(), d_w.as<float>(), s.rows, s.dim, eps, nullptr);
    const auto got = to_host<float>(s.in_place ? d_x : d_out, x.size());
    check_and_add(report, "rms_norm", s.dim % 4 == 0 ? "rms-norm-vec4" : "rms-norm-scalar",
                  fmt("rows=%lld dim=%lld", s.rows, s.dim) + (s.in_place ? " in-place" : ""), got, want, kF32Bound);
  }
}

// ---- rope ----------------------------------------------------------------------------------------

std::vector<float> inv_freq_table(int64_t n_freq, double theta) {
  std::vector<float> f(static_cast<size_t>(n_freq));
  for (int64_t i = 0; i < n_freq; ++i) f[i] = static_cast<float>(1.0 / std::pow(theta, (2.0 * i) / (2.0 * n_freq)));
  return f;
}

void rope_cases(Report& report, Rng& rng) {
  struct S {
    int64_t rows, heads, hd, n_freq;
    int64_t max_pos;
  };
  const S shapes[] = {{1, 1, 2, 1, 10},          {5, 4, 64, 32, 4096},   {37, 8, 128, 64, 131072},
                      {9, 3, 80, 16, 2048},      {4, 2, 7, 3, 100},      {64, 32, 128, 64, 8192},
                      {3, 2, 64, 0, 10}};
  for (const auto& s : shapes) {
    for (auto style : {sieve::RopeStyle::Interleaved, sieve::RopeStyle::Half}) {
      auto x = random_normal(rng, s.rows * s.heads * s.hd);
      std::vector<int32_t> pos(static_cast<size_t>(s.rows));
      for (auto& p : pos) p = static_cast<int32_t>(rng.below(s.max_pos));
      if (s.rows > 1) pos[0] = 0;
      const auto freq = inv_freq_table(s.n_freq, 500000.0);
      std::vector<float> want = x;
      cpu::rope(want.data(), pos.data(), s.rows, s.heads, s.hd, freq.data(), s.n_freq, style);
      report.current = fmt("rope rows=%lld heads=%lld hd=%lld", s.rows, s.heads, s.hd);
      DeviceBuffer d_x = to_device(x), d_pos = to_device(pos), d_f = to_device(freq);
      dev::launch_rope(d_x.as<float>(), d_pos.as<int32_t>(), s.rows, s.heads, s.hd, d_f.as<float>(), s.n_freq, style,
                       nullptr);
      const auto got = to_host<float>(d_x, x.size());
      const std::string shape = fmt("rows=%lld heads=%lld hd=%lld", s.rows, s.heads, s.hd) +
                                fmt(" nfreq=%lld pos<%lld", s.n_freq, s.max_pos);
      check_and_add(report, "rope", style == sieve::RopeStyle::Interleaved ? "rope-interleaved" : "rope-half", shape,
                    got, want, kRopeBound);
    }
  }
}

// ---- paged attention -----------------------------------------------------------------------------

struct AttnCase {
  const char* name;
  std::vector<int64_t> lens;  // context length of each sequence after this step
  std::vector<int64_t> news;  // query tokens of each sequence (its last positions)
  int64_t n_heads, n_kv, hd, page_size;
  int splits = 0;             // 0: automatic
  bool shuffle_tokens = false;
  bool dump = false;
};

void attention_case(Report& report, Rng& rng, const AttnCase& c, const std::string& dump_dir) {
  const int64_t num_seqs = static_cast<int64_t>(c.lens.size());
  int64_t max_pages = 0, used_pages = 0;
  for (int64_t len : c.lens) {
    max_pages = std::max(max_pages, (len + c.page_size - 1) / c.page_size);
    used_pages += (len + c.page_size - 1) / c.page_size;
  }
  max_pages += 1;                        // a trailing unmapped (-1) entry in every row
  const int64_t num_pages = used_pages + 3;  // spare pages nobody reads
  // Physical pages in random order: logical page order must come from the block table alone.
  std::vector<int32_t> perm(static_cast<size_t>(num_pages));
  std::iota(perm.begin(), perm.end(), 0);
  for (int64_t i = num_pages - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
  std::vector<int32_t> table(static_cast<size_t>(num_seqs * max_pages), -1);
  int64_t next = 0;
  for (int64_t s = 0; s < num_seqs; ++s) {
    for (int64_t i = 0; i < (c.lens[s] + c.page_size - 1) / c.page_size; ++i) table[s * max_pages + i] = perm[next++];
  }
  std::vector<int32_t> tok_seq, tok_pos;
  for (int64_t s = 0; s < num_seqs; ++s) {
    for (int64_t t = c.lens[s] - c.news[s]; t < c.lens[s]; ++t) {
      tok_seq.push_back(static_cast<int32_t>(s));
      tok_pos.push_back(static_cast<int32_t>(t));
    }
  }
  const int64_t T = static_cast<int64_t>(tok_seq.size());
  if (c.shuffle_tokens) {
    for (int64_t i = T - 1; i > 0; --i) {
      const int64_t j = rng.below(i + 1);
      std::swap(tok_seq[i], tok_seq[j]);
      std::swap(tok_pos[i], tok_pos[j]);
    }
  }
  const int64_t pool = num_pages * c.page_size * c.n_kv * c.hd;
  const auto k_pool = random_normal(rng, pool), v_pool = random_normal(rng, pool);
  const auto q = random_normal(rng, T * c.n_heads * c.hd);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.hd));

  sieve::PagedAttentionParams p{};
  std::vector<float> want(static_cast<size_t>(T * c.n_heads * c.hd));
  p.out = want.data();
  p.q = q.data();
  p.k_pool = k_pool.data();
  p.v_pool = v_pool.data();
  p.block_table = table.data();
  p.token_seq = tok_seq.data();
  p.token_pos = tok_pos.data();
  p.num_tokens = T;
  p.n_heads = c.n_heads;
  p.n_kv_heads = c.n_kv;
  p.head_dim = c.hd;
  p.page_size = c.page_size;
  p.max_pages_per_seq = max_pages;
  p.scale = scale;
  cpu::paged_attention(p);

  report.current = std::string("paged_attention ") + c.name;
  DeviceBuffer d_q = to_device(q), d_k = to_device(k_pool), d_v = to_device(v_pool), d_t = to_device(table),
               d_s = to_device(tok_seq), d_p = to_device(tok_pos), d_out(want.size() * 4);
  sieve::PagedAttentionParams dp = p;
  dp.out = d_out.as<float>();
  dp.q = d_q.as<float>();
  dp.k_pool = d_k.as<float>();
  dp.v_pool = d_v.as<float>();
  dp.block_table = d_t.as<int32_t>();
  dp.token_seq = d_s.as<int32_t>();
  dp.token_pos = d_p.as<int32_t>();
  GPU_OK(cudaMemset(d_out.as<float>(), 0xff, want.size() * 4));
  dev::launch_paged_attention(dp, nullptr, c.splits);
  const auto got = to_host<float>(d_out, want.size());
  const int splits = c.splits > 0 ? c.splits : dev::paged_attention_splits(dp);
  const std::string kernel = std::string(c.hd % 4 == 0 ? "attn-vec4" : "attn-scalar") + " splits=" + std::to_string(splits);
  const std::string shape = std::string(c.name) + fmt(" T=%lld H=%lld/%lld", T, c.n_heads, c.n_kv) +
                            fmt(" hd=%lld ps=%lld", c.hd, c.page_size);
  check_and_add(report, "paged_attention", kernel, shape, got, want, kF32Bound);

  if (c.dump && !dump_dir.empty()) {
    write_file(dump_dir, "attn_q.bin", q.data(), q.size() * 4);
    write_file(dump_dir, "attn_k_pool.bin", k_pool.data(), k_pool.size() * 4);
    write_file(dump_dir, "attn_v_pool.bin", v_pool.data(), v_pool.size() * 4);
    write_file(dump_dir, "attn_block_table.bin", table.data(), table.size() * 4);
    write_file(dump_dir, "attn_token_seq.bin", tok_seq.data(), tok_seq.size() * 4);
    write_file(dump_dir, "attn_token_pos.bin", tok_pos.data(), tok_pos.size() * 4);
    write_file(dump_dir, "attn_out_cuda.bin", got.data(), got.size() * 4);
    std::ofstream meta(dump_dir + "/attn_meta.json");
    meta.precision(9);
    meta << "{\"num_tokens\": " << T << ", \"n_heads\": " << c.n_heads << ", \"n_kv_heads\": " << c.n_kv
        << ", \"head_dim\": " << c.hd << ", \"page_size\": " << c.page_size << ", \"max_pages_per_seq\": " << max_pages
        << ", \"num_pages\": " << num_pages << ", \"num_seqs\": " << num_seqs << ", \"scale\": " << scale << "}\n";
  }
}

void attention_cases(Report& report, Rng& rng, const std::string& dump_dir) {
  const AttnCase cases[] = {
      {"decode GQA", {1, 17, 100}, {1, 1, 1}, 8, 2, 64, 16},
      {"prefill+decode MHA", {17, 41, 5}, {7, 1, 5}, 4, 4, 128, 16, 0, false, true},
      {"shuffled ragged MQA", {30, 64, 3}, {3, 2, 3}, 8, 1, 40, 7, 0, true},
      {"scalar hd", {9, 4}, {2, 4}, 6, 3, 7, 1},
      {"hd256 GQA", {300}, {2}, 16, 4, 256, 16},
      {"hd96", {50, 51}, {1, 1}, 4, 2, 96, 16},
      {"hd512 scalar-odd", {20}, {3}, 2, 1, 509, 8},
      {"long decode", {1000, 777}, {1, 1}, 32, 8, 128, 16},
      {"long decode", {1000, 777}, {1, 1}, 32, 8, 128, 16, 1},
      {"long decode", {1000, 777}, {1, 1}, 32, 8, 128, 16, 3},
      {"long decode", {1000, 777}, {1, 1}, 32, 8, 128, 16, 7},
      {"decode 4k ctx", {4096}, {1}, 32, 8, 128, 16},
      {"prefill 256", {256}, {256}, 32, 8, 128, 16},
  };
  for (const auto& c : cases) attention_case(report, rng, c, dump_dir);
}

}  // namespace

void run_parity(Report& report, const std::string& dump_dir, const std::string& only) {
  // Each group has its own seed, so running one group alone gives the same inputs as a full run.
  auto wanted = [&](const char* group) { return only.empty() || ("," + only + ",").find(std::string(",") + group + ",") != std::string::npos; };
  std::printf("\n== parity: CUDA vs CPU twin (sieve::cpu::portable), relative error max|d| / max|ref|\n");
  if (wanted("gemv")) {
    Rng rng(101);
    gemv_cases(report, rng, dump_dir);
  }
  if (wanted("matmul")) {
    Rng rng(102);
    matmul_cases(report, rng);
  }
  if (wanted("rms_norm")) {
    Rng rng(103);
    rms_norm_cases(report, rng);
  }
  if (wanted("rope")) {
    Rng rng(104);
    rope_cases(report, rng);
  }
  if (wanted("attention")) {
    Rng rng(105);
    attention_cases(report, rng, dump_dir);
  }
  if (wanted("teal")) run_teal_parity(report);
}

}  // namespace gpucheck
