import type { Command } from "commander";
import type { LinearLayer } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";
import { backendReport, checkpointDtype, formatWeightMemory, parameterCount, weightMemoryReport, type WeightMemoryReport } from "../../bench/bench-model.js";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { loadModel } from "../load-model.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

export function registerInspect(program: Command, ctx: CommandContext): void {
  withModelOptions(program.command("inspect").description("architecture, sizes, backend, and the kernel that runs every linear"))
    .action((flags: ModelFlags) => runInspect(ctx, flags));
}

interface LinearRow {
  path: string;
  /** The module-tree slot kind ("linear"). */
  kind: string;
  /** The layer's storage format as it reports it: "dense", "nm-2:4", "csr", "teal", ... */
  format: string;
  dtype: string;
  in_features: number;
  out_features: number;
  bytes: number;
  sparsity: number;
  kernel: string;
}

async function runInspect(ctx: CommandContext, flags: ModelFlags): Promise<void> {
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, log: ctx.log, progress: createProgress(ctx.io, !!flags.json, "loading") });
  const { checkpoint, model, tokenizer } = loaded;
  const c = checkpoint.config;
  const result = {
    model: flags.model,
    source: checkpoint.source,
    format: checkpoint.format,
    architecture: c.architecture,
    config: c,
    parameters: parameterCount(checkpoint),
    dtype: checkpointDtype(checkpoint),
    weight_bytes: model.weightBytes,
    kv_bytes_per_token: model.kvBytesPerToken,
    weight_memory: weightMemoryReport(),
    backend: { ...backendReport(model.backend), kernels: model.backend.describe().kernels },
    tokenizer: tokenizer
      ? { kind: tokenizer.kind, vocab_size: tokenizer.vocabSize, bos_id: tokenizer.bosId ?? null, eos_ids: tokenizer.eosIds, chat_template: tokenizer.hasChatTemplate }
      : null,
    layers: layerRows(model),
    lm_head: linearRow("lm_head", "head", model.lmHead),
    metadata: checkpoint.metadata,
    load_ms: Math.round(loaded.loadSeconds * 1000),
  };
  printResult(ctx, flags.json, result, () => formatInspect(result));
}

function linearRow(path: string, kind: string, layer: LinearLayer): LinearRow {
  const d = layer.describe();
  return {
    path,
    kind,
    format: d.kind,
    dtype: d.dtype,
    in_features: d.inFeatures,
    out_features: d.outFeatures,
    bytes: d.bytes,
    sparsity: d.weightSparsity,
    kernel: d.kernel,
  };
}

/** Per block: its attention and MLP module kinds and every linear slot under it, in model order. */
function layerRows(model: LlamaModel): Array<{ index: number; attention: { path: string; kind: string }; mlp: { path: string; kind: string }; linears: LinearRow[] }> {
  const linears = model.tree.list<LinearLayer>("linear");
  return model.layers.map((block, index) => {
    const prefix = `layers.${index}.`;
    return {
      index,
      attention: { path: `${prefix}self_attn`, kind: block.attn.kind },
      mlp: { path: `${prefix}mlp`, kind: block.mlp.kind },
      linears: linears.filter((s) => s.path.startsWith(prefix)).map((s) => linearRow(s.path, s.kind, s.get())),
    };
  });
}

function formatInspect(r: {
  model: string;
  format: string;
  architecture: string;
  config: { dim: number; hiddenDim: number; nLayers: number; nHeads: number; nKvHeads: number; headDim: number; vocabSize: number; maxSeqLen: number; tiedEmbeddings: boolean };
  parameters: number;
  dtype: string;
  weight_bytes: number;
  kv_bytes_per_token: number;
  weight_memory: WeightMemoryReport;
  backend: { name: string; isa: string; threads: number; fallback_reason?: string };
  tokenizer: { kind: string; vocab_size: number } | null;
  layers: ReturnType<typeof layerRows>;
  lm_head: LinearRow;
}): string {
  const c = r.config;
  const lines = [
    `model         ${r.model} (${r.format})`,
    `architecture  ${r.architecture}: dim ${c.dim}, hidden ${c.hiddenDim}, ${c.nLayers} layers, ${c.nHeads} heads (${c.nKvHeads} KV, head dim ${c.headDim}), vocab ${c.vocabSize}, context ${c.maxSeqLen}${c.tiedEmbeddings ? ", tied embeddings" : ""}`,
    `parameters    ${r.parameters.toLocaleString("en-US")} (${r.dtype})`,
    `weights       ${mib(r.weight_bytes)}`,
    `weight pages  ${formatWeightMemory(r.weight_memory)}`,
    `KV cache      ${r.kv_bytes_per_token.toLocaleString("en-US")} bytes/token`,
    `backend       ${r.backend.name} (${r.backend.isa}, ${r.backend.threads} threads)${r.backend.fallback_reason ? ` FALLBACK: ${r.backend.fallback_reason.split("\n")[0]}` : ""}`,
    `tokenizer     ${r.tokenizer ? `${r.tokenizer.kind} (${r.tokenizer.vocab_size} tokens)` : "none"}`,
    "",
    pad(["slot", "format", "dtype", "shape", "bytes", "sparsity", "kernel"]),
  ];
  for (const layer of r.layers) {
    lines.push(`${layer.attention.path}: ${layer.attention.kind}   ${layer.mlp.path}: ${layer.mlp.kind}`);
    for (const l of layer.linears) lines.push(pad(linearCells(l)));
  }
  lines.push(pad(linearCells(r.lm_head)));
  return `${lines.join("\n")}\n`;
}

function linearCells(l: LinearRow): string[] {
  return ["  " + l.path, l.format, l.dtype, `${l.out_features}x${l.in_features}`, String(l.bytes), l.sparsity.toFixed(3), l.kernel];
}

const WIDTHS = [32, 8, 6, 12, 11, 9, 0];
function pad(cells: string[]): string {
  return cells.map((cell, i) => (WIDTHS[i] ? cell.padEnd(WIDTHS[i]!) : cell)).join(" ").trimEnd();
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB (${bytes.toLocaleString("en-US")} bytes)`;
}
