/**
 * Validation of activation recipes read from JSON (a recipe file or checkpoint metadata): every
 * problem names the source, the field and what was expected.
 */
import type { ActivationRecipe, CatsRecipe, TealRecipe } from "./types.js";

export class ActivationRecipeError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${source}: ${field} ${problem}`);
    this.name = "ActivationRecipeError";
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses and validates a recipe ({ "activation": { "method": ..., ... } }). */
export function parseActivationRecipe(value: unknown, source: string): ActivationRecipe {
  if (!isObject(value) || !isObject(value.activation)) {
    throw new ActivationRecipeError(source, "activation", 'must be an object such as { "activation": { "method": "teal", ... } }');
  }
  const a = value.activation;
  if (typeof a.method !== "string" || a.method.length === 0) throw new ActivationRecipeError(source, "activation.method", "must be a method name (teal, cats, dejavu)");
  if (a.method === "teal") return { activation: parseTeal(a, source) };
  if (a.method === "cats") return { activation: parseCats(a, source) };
  return { activation: { ...a, method: a.method } };
}

function parseTeal(a: Json, source: string): TealRecipe {
  const allocation = a.allocation ?? "uniform";
  if (allocation !== "uniform" && allocation !== "greedy") throw new ActivationRecipeError(source, "activation.allocation", `must be "uniform" or "greedy", got ${JSON.stringify(allocation)}`);
  return {
    method: "teal",
    sparsity: fraction(a, "sparsity", source),
    allocation,
    thresholds: thresholds(a, source),
    ...optionalFields(a, source),
  };
}

function parseCats(a: Json, source: string): CatsRecipe {
  return { method: "cats", sparsity: fraction(a, "sparsity", source), thresholds: thresholds(a, source), ...optionalFields(a, source) };
}

function fraction(a: Json, key: string, source: string): number {
  const v = a[key];
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new ActivationRecipeError(source, `activation.${key}`, `must be a number in [0, 1), got ${JSON.stringify(v)}`);
  return v;
}

function thresholds(a: Json, source: string): Record<string, number> {
  if (!isObject(a.thresholds) || Object.keys(a.thresholds).length === 0) {
    throw new ActivationRecipeError(source, "activation.thresholds", "must be a non-empty object mapping slot paths to thresholds");
  }
  const out: Record<string, number> = {};
  for (const [path, t] of Object.entries(a.thresholds)) {
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) throw new ActivationRecipeError(source, `activation.thresholds["${path}"]`, `must be a finite number >= 0, got ${JSON.stringify(t)}`);
    out[path] = t;
  }
  return out;
}

function optionalFields(a: Json, source: string): Pick<TealRecipe, "sparsities" | "storeAs" | "denseAbove" | "calibration"> {
  const out: Pick<TealRecipe, "sparsities" | "storeAs" | "denseAbove" | "calibration"> = {};
  if (a.sparsities !== undefined) {
    if (!isObject(a.sparsities)) throw new ActivationRecipeError(source, "activation.sparsities", "must be an object mapping slot paths to fractions");
    out.sparsities = a.sparsities as Record<string, number>;
  }
  if (a.storeAs !== undefined) {
    if (a.storeAs !== "f32" && a.storeAs !== "f16" && a.storeAs !== "bf16") throw new ActivationRecipeError(source, "activation.storeAs", `must be "f32", "f16" or "bf16", got ${JSON.stringify(a.storeAs)}`);
    out.storeAs = a.storeAs;
  }
  if (a.denseAbove !== undefined) {
    if (!Number.isInteger(a.denseAbove) || (a.denseAbove as number) < 1) throw new ActivationRecipeError(source, "activation.denseAbove", `must be a positive integer, got ${JSON.stringify(a.denseAbove)}`);
    out.denseAbove = a.denseAbove as number;
  }
  if (a.calibration !== undefined) {
    if (!isObject(a.calibration)) throw new ActivationRecipeError(source, "activation.calibration", "must be an object");
    out.calibration = a.calibration as unknown as TealRecipe["calibration"];
  }
  return out;
}
