#!/usr/bin/env python3
"""Turns one GPU check run (gpu_check.json, and torch_bench.json when present) into the markdown
tables of docs/results/gpu-<device>.md, so the numbers in the docs are the run's, not retyped.

usage: report_md.py RUN_DIR --commit SHA --date YYYY-MM-DD [--out FILE]
"""
import argparse
import json
import os
from collections import OrderedDict


def row(cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(header, rows):
    lines = [row(header), row(["---"] * len(header))]
    lines += [row(r) for r in rows]
    return "\n".join(lines)


def us(ms):
    return f"{ms * 1000:.1f}"


def parity_section(report):
    groups = OrderedDict()
    for p in report["parity"]:
        g = groups.setdefault(p["op"], {"cases": 0, "passed": 0, "worst": 0.0, "bound": p["bound"]})
        g["cases"] += 1
        g["passed"] += 1 if p["pass"] else 0
        if p["error"] is None:
            g["worst"] = float("inf")
        else:
            g["worst"] = max(g["worst"], p["error"])
        g["bound"] = max(g["bound"], p["bound"])
    rows = [[op, g["cases"], g["passed"], f"{g['worst']:.2e}", f"{g['bound']:.0e}"] for op, g in groups.items()]
    total = len(report["parity"])
    return (
        f"{total} cases, {report['failures']} failed (relative error max|cuda - cpu| / max|cpu| against the CPU twin).\n\n"
        + table(["op", "cases", "passed", "worst error", "largest bound"], rows)
    )


def dense_section(report):
    rows = []
    for b in report["bench"]:
        if b["op"] in ("sparse_gemv_im", "teal block", "gemv block") or "speedupVsDense" in b:
            continue
        if b["shape"].startswith(("qkv ", "o ", "gate+up ", "down ")):
            continue  # the dense rows of the TEAL section
        if b["memoryBound"]:
            rows.append([b["op"], b["kernel"], b["shape"], us(b["ms"]), f"{b['GBps']:.0f} GB/s",
                         f"{100 * b['ofD2dCopy']:.0f}% of copy"])
        else:
            rows.append([b["op"], b["kernel"], b["shape"], us(b["ms"]), f"{b['TFLOPs']:.1f} TFLOP/s", ""])
    return table(["op", "kernel", "shape", "us", "rate", "vs roofline"], rows)


def teal_section(report):
    linears = OrderedDict()
    for b in report["bench"]:
        if b["op"] == "gemv" and b["shape"].split(" ")[0] in ("qkv", "o", "gate+up", "down"):
            linears[b["shape"]] = {"dense": b["ms"], "rows": []}
        elif b["op"] == "sparse_gemv_im" and b["kernel"].endswith(" 1L"):
            where, sparsity = b["shape"].rsplit(" s=", 1)
            linears[where]["rows"].append((sparsity, b))
    rows = []
    for where, v in linears.items():
        for sparsity, b in v["rows"]:
            rows.append([where, sparsity, us(v["dense"]), us(b["ms"]), f"{b['speedupVsDense']:.2f}x",
                         f"{b['byteCeiling']:.2f}x", f"{100 * b['speedupVsDense'] / b['byteCeiling']:.0f}%"])
    per_linear = table(["linear (f16)", "sparsity", "dense us", "TEAL us", "speedup", "byte ceiling", "of ceiling"], rows)

    block = []
    dense_graph = next((b for b in report["bench"] if b["op"] == "gemv block"), None)
    for b in report["bench"]:
        if b["op"] != "teal block":
            continue
        graphs = "graphs" in b["kernel"]
        block.append(["graph replay" if graphs else "launched", b["shape"].rsplit("s=", 1)[1], us(b["ms"]),
                      f"{b['speedupVsDense']:.2f}x", f"{b['byteCeiling']:.2f}x",
                      f"{100 * b['speedupVsDense'] / b['byteCeiling']:.0f}%"])
    block_table = table(["timing", "sparsity", "TEAL us", "speedup", "byte ceiling", "of ceiling"], block)
    note = ""
    if dense_graph:
        note = f"\n\nDense block (our GEMV) replayed from graphs: {us(dense_graph['ms'])} us."
    return per_linear, block_table + note


def sweep_section(report):
    rows = []
    for b in report["bench"]:
        if b["op"] != "sparse_gemv_im" or b["kernel"].endswith(" 1L"):
            continue
        speed = f"{b['speedupVsDense']:.2f}x" if "speedupVsDense" in b else ""
        rows.append([b["kernel"], b["shape"], us(b["ms"]), speed])
    return table(["variant", "shape", "us", "speedup vs dense"], rows)


def peer_section(torch_bench, report):
    ours = {b["shape"].split(" ")[0]: b["ms"] for b in report["bench"]
            if b["op"] == "gemv" and b["shape"].split(" ")[0] in ("qkv", "o", "gate+up", "down")}
    rows = []
    for r in torch_bench["rows"]:
        mine = ours.get(r["linear"])
        rows.append([r["linear"], f"k={r['k']} n={r['n']}", us(r["ms"]), us(mine) if mine else "",
                     f"{r['ms'] / mine:.2f}x" if mine else ""])
    rows.append(["block", "", us(torch_bench["blockMs"]), us(sum(ours.values())),
                 f"{torch_bench['blockMs'] / sum(ours.values()):.2f}x"])
    return (f"PyTorch {torch_bench['torch']} `torch.mv` (cuBLAS), f16, same rotation over > 3x L2:\n\n"
            + table(["linear", "shape", "cuBLAS us", "ours us", "ours faster by"], rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--out")
    a = ap.parse_args()
    report = json.load(open(os.path.join(a.run_dir, "gpu_check.json")))
    torch_path = os.path.join(a.run_dir, "torch_bench.json")
    torch_bench = json.load(open(torch_path)) if os.path.exists(torch_path) else None
    d = report["device"]
    per_linear, block = teal_section(report)
    parts = [
        f"# GPU check on {d['name']}",
        "",
        f"Generated by `tooling/gpu/report_md.py` from one run of `tooling/gpu/run.sh` on {a.date}, commit "
        f"{a.commit}. Device: {d['name']}, sm_{d['computeCapability'].replace('.', '')}, {d['sms']} SMs, "
        f"{d['memGiB']:.0f} GiB, L2 {d['l2MiB']:.0f} MiB. Roofline: device-to-device copy "
        f"{d['d2dCopyGBps']:.0f} GB/s measured (read + write bytes), {d['theoreticalGBps']:.0f} GB/s theoretical. "
        "Memory-bound timings rotate over operand copies larger than 3x L2.",
        "",
        "## Parity",
        "",
        parity_section(report),
        "",
        "## Dense kernels",
        "",
        dense_section(report),
        "",
        "## TEAL sparse GEMV (batch 1, Llama-3-8B block linears)",
        "",
        "Speedup = dense GEMV time / TEAL time in the same run over the same weight bytes; byte ceiling = "
        "dense bytes / bytes TEAL reads. TEAL rows use one launch (scratch path), 256 candidate inputs per block.",
        "",
        per_linear,
        "",
        "The block (qkv, o, gate+up, down summed), launched one by one and replayed from CUDA graphs:",
        "",
        block,
        "",
        "Variants (where a call's time goes):",
        "",
        sweep_section(report),
    ]
    if torch_bench:
        parts += ["", "## Dense peer", "", peer_section(torch_bench, report)]
    text = "\n".join(parts) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
