/**
 * Which kernels a pruned linear runs: the native addon's sparse kernels whenever the model's
 * backend is the native (or CUDA, which extends it) backend or the addon loads anyway, else the
 * TypeScript reference — with one warning on stderr, because a pruned layer that silently runs
 * slow (or dense) kernels is a bug.
 */
import { loadNativeBackend, NativeBackend, type KernelBackend } from "@sieve/core";
import type { NativeAddon } from "../kernels/native.js";

export type SparseKernelChoice = { kind: "native"; addon: NativeAddon } | { kind: "reference"; reason: string };

const chosen = new WeakMap<KernelBackend, SparseKernelChoice>();
const warned = new Set<string>();

export function chooseSparseKernels(backend: KernelBackend): SparseKernelChoice {
  let choice = chosen.get(backend);
  if (choice) return choice;
  if (backend instanceof NativeBackend) {
    choice = { kind: "native", addon: backend.addon };
  } else if (backend.name === "reference") {
    choice = { kind: "reference", reason: "the reference backend is selected (SIEVE_BACKEND=reference)" };
  } else {
    const loaded = loadNativeBackend();
    choice = loaded.ok ? { kind: "native", addon: loaded.backend.addon } : { kind: "reference", reason: loaded.reason };
  }
  chosen.set(backend, choice);
  return choice;
}

/** Says once per reason (and process) that pruned linears run the reference kernels. */
export function warnReferenceOnce(reason: string): void {
  if (warned.has(reason) || process.env.SIEVE_QUIET === "1") return;
  warned.add(reason);
  process.stderr.write(`[sieve] warning: pruned (sparse) linears run the TypeScript reference kernels, which are slow: ${reason}\n`);
}
