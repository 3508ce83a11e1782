/**
 * The pruned variants the speed tool compares: every linear of the model pruned by magnitude
 * (2:4, 4:8, or unstructured at a sparsity) and compressed straight from its stored weights (f16
 * bits or f32), with the value dtype of the source, in the format the product would choose.
 */
import type { LoadedCheckpoint } from "@sieve/model";
import { expectedTensors, hfNames } from "@sieve/model";
import { compressNm } from "../../packages/weight-pruning/src/formats/nm.js";
import type { SparseWeight } from "../../packages/weight-pruning/src/formats/sparse-weight.js";
import { compressUnstructured } from "../../packages/weight-pruning/src/formats/unstructured.js";
import type { DenseWeight, SparseValueDtype } from "../../packages/weight-pruning/src/formats/values.js";
import { magnitudeMask, magnitudeNmMask } from "../../packages/weight-pruning/src/testing/magnitude.js";

export interface VariantSpec {
  /** "dense", "nm-2:4", "nm-4:8", "unstructured-70" ... */
  name: string;
  /** What the mask does, for the report. */
  label: string;
  prune?: { kind: "nm"; n: number; m: number } | { kind: "unstructured"; sparsity: number };
}

export function parseVariant(name: string): VariantSpec {
  if (name === "dense") return { name, label: "dense" };
  const nm = /^nm-(\d):(\d)$/.exec(name);
  if (nm) return { name, label: `${nm[1]}:${nm[2]} (magnitude)`, prune: { kind: "nm", n: Number(nm[1]), m: Number(nm[2]) } };
  const u = /^unstructured-(\d+)$/.exec(name);
  if (u) return { name, label: `unstructured ${u[1]}% (magnitude)`, prune: { kind: "unstructured", sparsity: Number(u[1]) / 100 } };
  throw new Error(`unknown variant ${name} (dense, nm-2:4, nm-4:8, unstructured-<percent>)`);
}

/** The linear weights (every 2-D tensor but the embedding and the LM head). */
export function linearWeightNames(ck: LoadedCheckpoint): string[] {
  return expectedTensors(ck.config)
    .filter((t) => t.shape.length === 2 && t.name !== hfNames.embed && t.name !== hfNames.lmHead)
    .map((t) => t.name);
}

/** Every linear of `ck` pruned and compressed as `spec` says (weight name -> compressed weight). */
export function buildVariant(ck: LoadedCheckpoint, spec: VariantSpec, onLayer?: (i: number, n: number) => void): Map<string, SparseWeight> {
  const packed = new Map<string, SparseWeight>();
  if (!spec.prune) return packed;
  const names = linearWeightNames(ck);
  names.forEach((name, i) => {
    const t = ck.weights.get(name)!;
    const [rows, cols] = t.shape as [number, number];
    const data = t.contiguousData() as Float32Array | Uint16Array;
    if (t.dtype !== "f32" && t.dtype !== "f16") throw new Error(`${name}: the speed tool prunes f32 or f16 checkpoints, not ${t.dtype}`);
    const dense: DenseWeight = { data, dtype: t.dtype, rows, cols };
    const valueDtype: SparseValueDtype = t.dtype;
    const p = spec.prune!;
    packed.set(
      name,
      p.kind === "nm"
        ? compressNm(dense, magnitudeNmMask(data, rows, cols, p.n, p.m), { n: p.n, m: p.m }, valueDtype)
        : compressUnstructured(dense, magnitudeMask(data, p.sparsity), valueDtype),
    );
    onLayer?.(i + 1, names.length);
  });
  return packed;
}
