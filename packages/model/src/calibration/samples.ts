/**
 * Calibration samples: token sequences run through a model to collect activation statistics
 * (pruning, TEAL thresholds). Each sample is one sequence at positions 0..length-1.
 */
export type CalibrationSamples = readonly Int32Array[];

/** Total tokens of a set of samples. */
export function calibrationTokenCount(samples: CalibrationSamples): number {
  let n = 0;
  for (const s of samples) n += s.length;
  return n;
}

/** Checks that every sample is non-empty, fits the context, and holds valid token ids. */
export function validateCalibrationSamples(samples: CalibrationSamples, vocabSize: number, maxSeqLen: number): void {
  if (samples.length === 0) throw new RangeError("calibration: no samples");
  samples.forEach((s, i) => {
    if (s.length === 0) throw new RangeError(`calibration: sample ${i} is empty`);
    if (s.length > maxSeqLen) throw new RangeError(`calibration: sample ${i} has ${s.length} tokens, more than the model's context of ${maxSeqLen}`);
    for (let t = 0; t < s.length; t++) {
      const id = s[t]!;
      if (id < 0 || id >= vocabSize) throw new RangeError(`calibration: sample ${i} token ${t} is ${id}, not in [0, ${vocabSize})`);
    }
  });
}
