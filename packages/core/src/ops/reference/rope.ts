/**
 * Rotary position embedding: the reference kernel and the inverse-frequency tables it consumes.
 *
 * Pair i of a head (i < invFreq.length) is rotated by the angle p * invFreq[i], where p is the
 * row's position. Which two dims form pair i depends on the style:
 *   "interleaved": (2i, 2i + 1), as in Meta's original Llama code;
 *   "half":        (i, i + R/2) with R = 2 * invFreq.length the rotary width, as in HF / GPT-NeoX
 *                  (rotate_half over the first R dims). Dims at R and beyond pass through.
 */
import type { RopeStyle } from "../../backend/kernels.js";
import { requireF32, requireI32, requireLength, requireSize } from "./validate.js";

/** Rotates x [rows, nHeads, headDim] in place; row r is at position positions[r]. */
export function rope(
  x: Float32Array,
  positions: Int32Array,
  rows: number,
  nHeads: number,
  headDim: number,
  invFreq: Float32Array,
  style: RopeStyle,
): void {
  const op = "rope";
  requireF32(op, "x", x);
  requireI32(op, "positions", positions);
  requireSize(op, "rows", rows);
  requireSize(op, "nHeads", nHeads);
  requireSize(op, "headDim", headDim);
  requireF32(op, "invFreq", invFreq);
  if (style !== "interleaved" && style !== "half") throw new RangeError(`${op}: style must be "interleaved" or "half", got ${String(style)}`);
  const nFreq = invFreq.length;
  if (2 * nFreq > headDim) throw new RangeError(`${op}: invFreq has ${nFreq} entries; 2 * ${nFreq} exceeds headDim ${headDim}`);
  requireLength(op, "x", x, rows * nHeads * headDim);
  requireLength(op, "positions", positions, rows);

  // Partner offset of pair i: interleaved pairs are adjacent, half-style pairs are nFreq apart.
  const first = (i: number): number => (style === "interleaved" ? 2 * i : i);
  const second = (i: number): number => (style === "interleaved" ? 2 * i + 1 : i + nFreq);
  for (let r = 0; r < rows; r++) {
    const p = positions[r]!;
    for (let i = 0; i < nFreq; i++) {
      const angle = p * invFreq[i]!; // float64: exact for any int32 position times an f32 frequency
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      for (let h = 0; h < nHeads; h++) {
        const base = (r * nHeads + h) * headDim;
        const a = x[base + first(i)]!;
        const b = x[base + second(i)]!;
        x[base + first(i)] = a * c - b * s;
        x[base + second(i)] = a * s + b * c;
      }
    }
  }
}

/** Hugging Face's "llama3" frequency-dependent scaling (Llama 3.1 and later). */
export interface Llama3RopeScaling {
  type: "llama3";
  /** How much longer the new context is (8 for Llama 3.1). */
  factor: number;
  /** Wavelengths above originalMaxPositionEmbeddings / lowFreqFactor are divided by factor. */
  lowFreqFactor: number;
  /** Wavelengths below originalMaxPositionEmbeddings / highFreqFactor are unchanged. */
  highFreqFactor: number;
  /** The context length the model was pretrained with (8192 for Llama 3). */
  originalMaxPositionEmbeddings: number;
}

/** Position interpolation: every frequency divided by factor. */
export interface LinearRopeScaling {
  type: "linear";
  factor: number;
}

export type RopeScaling = Llama3RopeScaling | LinearRopeScaling;

export interface RopeFrequencyParams {
  /** Per-head dimension. */
  headDim: number;
  /** How many leading dims of a head rotate (partial rotary); defaults to headDim. Must be even. */
  rotaryDim?: number;
  /** Base of the geometric frequency series (rope_theta): 10000 for Llama 2, 500000 for Llama 3. */
  theta: number;
  /** Optional context-extension scaling; none means the plain series. */
  scaling?: RopeScaling | null;
}

/**
 * Inverse frequencies invFreq[i] = theta^(-2i / R) for i < R/2 (R = rotaryDim or headDim),
 * then the optional scaling, following transformers' rope initialisation. Computed in float64 and
 * rounded once to f32 (transformers computes in float32, so values agree to within an ulp).
 */
export function ropeInvFreq(params: RopeFrequencyParams): Float32Array {
  const op = "ropeInvFreq";
  const { headDim, theta } = params;
  const rotaryDim = params.rotaryDim ?? headDim;
  requireSize(op, "headDim", headDim);
  requireSize(op, "rotaryDim", rotaryDim);
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) {
    throw new RangeError(`${op}: rotaryDim must be even and at most headDim ${headDim}, got ${rotaryDim}`);
  }
  if (!(theta > 1) || !Number.isFinite(theta)) throw new RangeError(`${op}: theta must be a finite number > 1, got ${theta}`);

  const n = rotaryDim / 2;
  const base = new Float64Array(n);
  for (let i = 0; i < n; i++) base[i] = 1 / Math.pow(theta, (2 * i) / rotaryDim);

  const scaling = params.scaling ?? null;
  const scaled = scaling === null ? base : applyScaling(op, base, scaling);
  return Float32Array.from(scaled);
}

function applyScaling(op: string, invFreq: Float64Array, scaling: RopeScaling): Float64Array {
  if (scaling.type !== "linear" && scaling.type !== "llama3") {
    throw new RangeError(`${op}: unknown scaling type ${String((scaling as { type: unknown }).type)} (expected "llama3" or "linear")`);
  }
  if (!(scaling.factor > 0) || !Number.isFinite(scaling.factor)) {
    throw new RangeError(`${op}: scaling.factor must be a finite number > 0, got ${scaling.factor}`);
  }
  if (scaling.type === "linear") return invFreq.map((f) => f / scaling.factor);

  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: oldContext } = scaling;
  if (!(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0) || !(oldContext > 0)) {
    throw new RangeError(
      `${op}: llama3 scaling needs 0 < lowFreqFactor < highFreqFactor and originalMaxPositionEmbeddings > 0, ` +
        `got ${lowFreqFactor}, ${highFreqFactor}, ${oldContext}`,
    );
  }
  // Long wavelengths (low frequencies) are stretched by `factor`, short ones are kept, and the
  // band between the two thresholds blends linearly in oldContext / wavelength.
  const lowFreqWavelen = oldContext / lowFreqFactor;
  const highFreqWavelen = oldContext / highFreqFactor;
  return invFreq.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / factor;
    const smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}
