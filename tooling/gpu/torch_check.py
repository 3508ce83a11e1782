#!/usr/bin/env python3
"""Second reference for the GPU check: PyTorch (float64) on the GEMV and attention cases that
gpu_check dumped as raw .bin files. Optional and cheap; run.sh calls it when torch imports.

usage: torch_check.py DUMP_DIR      exit 0 when both agree within 1e-4 relative, 1 otherwise
"""
import json
import os
import sys

import torch

BOUND = 1e-4


def load(d, name, dtype):
    with open(os.path.join(d, name), "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=dtype)


def rel_err(actual, expected):
    return ((actual - expected).abs().max() / expected.abs().max().clamp_min(1e-30)).item()


def check_gemv(d, dev):
    m = json.load(open(os.path.join(d, "gemv_meta.json")))
    n, k = m["n"], m["k"]
    x = load(d, "gemv_x.bin", torch.float32).to(dev, torch.float64)
    w = load(d, "gemv_w.bin", torch.int16).view(torch.float16).reshape(n, k).to(dev, torch.float64)
    bias = load(d, "gemv_bias.bin", torch.float32).to(dev, torch.float64)
    got = load(d, "gemv_out_cuda.bin", torch.float32).to(dev, torch.float64)
    return f"gemv n={n} k={k} f16 +bias", rel_err(got, w @ x + bias)


def check_attention(d, dev):
    m = json.load(open(os.path.join(d, "attn_meta.json")))
    T, H, KV, D = m["num_tokens"], m["n_heads"], m["n_kv_heads"], m["head_dim"]
    ps, maxp, pages = m["page_size"], m["max_pages_per_seq"], m["num_pages"]
    f64 = dict(device=dev, dtype=torch.float64)
    q = load(d, "attn_q.bin", torch.float32).reshape(T, H, D).to(**f64)
    kp = load(d, "attn_k_pool.bin", torch.float32).reshape(pages, ps, KV, D).to(**f64)
    vp = load(d, "attn_v_pool.bin", torch.float32).reshape(pages, ps, KV, D).to(**f64)
    table = load(d, "attn_block_table.bin", torch.int32).reshape(-1, maxp).long()
    seq = load(d, "attn_token_seq.bin", torch.int32).long()
    pos = load(d, "attn_token_pos.bin", torch.int32).long()
    got = load(d, "attn_out_cuda.bin", torch.float32).reshape(T, H, D).to(**f64)
    group = H // KV
    want = torch.empty_like(got)
    for t in range(T):
        j = torch.arange(pos[t].item() + 1)
        phys = table[seq[t], j // ps].to(dev)
        slot = (j % ps).to(dev)
        keys = kp[phys, slot].repeat_interleave(group, dim=1)  # [L, H, D]
        vals = vp[phys, slot].repeat_interleave(group, dim=1)
        scores = torch.einsum("hd,lhd->hl", q[t], keys) * m["scale"]
        want[t] = torch.einsum("hl,lhd->hd", torch.softmax(scores, dim=-1), vals)
    return f"paged_attention T={T} H={H}/{KV} hd={D} ps={ps}", rel_err(got, want)


def main():
    d = sys.argv[1]
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"\n== torch cross-check (torch {torch.__version__}, float64 on {dev}), bound {BOUND:.0e}")
    failed = 0
    for check in (check_gemv, check_attention):
        name, err = check(d, dev)
        ok = err <= BOUND
        failed += not ok
        print(f"  {'PASS' if ok else 'FAIL'} {name:50s} err {err:.3e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
