#!/usr/bin/env python3
"""The dense peer for the TEAL timings: PyTorch's f16 GEMV (cuBLAS) on the same Llama-3-8B block
linears gpu_check times, rotated over weight copies larger than 3x L2 as gpu_check does, timed with
CUDA events. Prints a table and writes torch_bench.json into OUT_DIR.

usage: torch_bench.py OUT_DIR
"""
import json
import math
import os
import sys

import torch

BLOCK = [("qkv", 4096, 6144), ("o", 4096, 4096), ("gate+up", 4096, 28672), ("down", 14336, 4096)]


def time_ms(fn, target_ms=100.0):
    for i in range(3):
        fn(i)
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn(3)
    stop.record()
    stop.synchronize()
    iters = max(5, min(500, int(target_ms / max(start.elapsed_time(stop), 1e-3))))
    start.record()
    for i in range(iters):
        fn(i)
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) / iters


def main():
    out_dir = sys.argv[1]
    props = torch.cuda.get_device_properties(0)
    l2 = props.L2_cache_size
    rows = []
    print(f"\n== torch peer: dense f16 GEMV (torch.mv, cuBLAS), torch {torch.__version__}, {props.name}")
    total_ms = 0.0
    for name, k, n in BLOCK:
        wbytes = n * k * 2
        copies = max(1, math.ceil(3 * l2 / wbytes))
        ws = [torch.randn(n, k, device="cuda", dtype=torch.float16) for _ in range(copies)]
        x = torch.randn(k, device="cuda", dtype=torch.float16)
        y = torch.empty(n, device="cuda", dtype=torch.float16)
        ms = time_ms(lambda i: torch.mv(ws[i % copies], x, out=y))
        gbps = (wbytes + (k + n) * 2) / (ms * 1e-3) / 1e9
        total_ms += ms
        rows.append({"linear": name, "k": k, "n": n, "copies": copies, "ms": ms, "GBps": gbps})
        print(f"  torch.mv   {name:8s} k={k} n={n} f16 ({copies} copies)  {ms:9.4f} ms  {gbps:8.1f} GB/s")
    print(f"  torch.mv   block sum                         {total_ms:9.4f} ms")
    with open(os.path.join(out_dir, "torch_bench.json"), "w") as f:
        json.dump({"torch": torch.__version__, "device": props.name, "rows": rows, "blockMs": total_ms}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
