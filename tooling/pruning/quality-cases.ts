/** The configurations the quality script evaluates, in table order. */
import type { PruneModelOptions, StructuredPruning } from "@sieve/weight-pruning";

export type QualityCase =
  | { label: string; group: string; kind: "dense" }
  | { label: string; group: string; kind: "unstructured"; options: Omit<PruneModelOptions, "calibration" | "onProgress"> }
  | { label: string; group: string; kind: "structured"; spec: StructuredPruning; reconstruct?: boolean };

const TARGETS: Array<{ label: string; sparsity?: number; pattern?: string }> = [
  { label: "20%", sparsity: 0.2 },
  { label: "50%", sparsity: 0.5 },
  { label: "4:8", pattern: "4:8" },
  { label: "2:4", pattern: "2:4" },
  { label: "60%", sparsity: 0.6 },
  { label: "70%", sparsity: 0.7 },
  { label: "80%", sparsity: 0.8 },
];

export function qualityCases(): QualityCase[] {
  const cases: QualityCase[] = [{ label: "dense", group: "dense", kind: "dense" }];
  for (const t of TARGETS) {
    for (const method of ["magnitude", "wanda", "sparsegpt"] as const) {
      cases.push({ label: `${method} ${t.label}`, group: t.label, kind: "unstructured", options: { method, sparsity: t.sparsity, pattern: t.pattern } });
    }
  }
  const byLabel = (label: string) => TARGETS.find((t) => t.label === label)!;
  for (const t of [byLabel("50%"), byLabel("2:4")]) {
    for (const method of ["magnitude", "wanda", "sparsegpt"] as const) {
      cases.push({ label: `${method} ${t.label} + reconstruction`, group: "reconstruction", kind: "unstructured", options: { method, sparsity: t.sparsity, pattern: t.pattern, reconstruct: true } });
    }
  }
  for (const t of [byLabel("70%"), byLabel("80%")]) {
    for (const method of ["wanda", "sparsegpt"] as const) {
      cases.push({ label: `${method} ${t.label} OWL`, group: "owl", kind: "unstructured", options: { method, sparsity: t.sparsity, allocation: "owl" } });
    }
  }
  // SparseGPT choosing each block's mask per output row (Wanda's comparison group) instead of block-wide.
  for (const t of [byLabel("50%"), byLabel("70%")]) {
    cases.push({ label: `sparsegpt ${t.label} row masks`, group: "ablation", kind: "unstructured", options: { method: "sparsegpt", sparsity: t.sparsity, sparsegpt: { maskScope: "row" } } });
  }
  const structured: Array<[string, StructuredPruning]> = [
    ["MLP channels 25%", { kind: "mlp-channels", ratio: 0.25 }],
    ["MLP channels 50%", { kind: "mlp-channels", ratio: 0.5 }],
    ["heads 25% (1 of 4 KV groups)", { kind: "attention-heads", ratio: 0.25, unit: "kv-group" }],
    ["heads 50% (2 of 4 KV groups)", { kind: "attention-heads", ratio: 0.5, unit: "kv-group" }],
    ["heads 50% (1 query head per group)", { kind: "attention-heads", ratio: 0.5, unit: "query-head" }],
    ["blocks 1 of 5", { kind: "blocks", count: 1 }],
  ];
  for (const [label, spec] of structured) cases.push({ label, group: "structured", kind: "structured", spec });
  for (const [label, spec] of structured.slice(0, 4)) cases.push({ label: `${label} + reconstruction`, group: "structured", kind: "structured", spec, reconstruct: true });
  return cases;
}
