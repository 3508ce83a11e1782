/**
 * Checks how the tensors together cover the data buffer. The format requires every byte of the
 * buffer to belong to exactly one tensor; overlaps would let two tensors alias each other's bytes
 * and holes are where smuggled or stale data hides.
 */
import { FIX_DAMAGED_FILE } from "./errors.js";
import type { HeaderContext } from "./header-context.js";
import { truncateForMessage } from "./json-fields.js";
import type { TensorInfo } from "./tensor-info.js";

/** Sorts by data position (empty tensors before non-empty ones at the same begin). */
export function sortByDataOffset(tensors: readonly TensorInfo[]): TensorInfo[] {
  return [...tensors].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
}

/**
 * `sorted` must come from sortByDataOffset. Each tensor must begin exactly where the previous one
 * ended (the reference implementation's rule, which also puts empty tensors strictly between
 * others rather than inside them), and the last must end at the end of the buffer.
 */
export function checkCoverage(
  sorted: readonly TensorInfo[],
  dataStart: number,
  dataLength: number,
  allowGaps: boolean,
  ctx: HeaderContext,
): void {
  let coveredTo = 0;
  let coveredBy: TensorInfo | undefined;
  for (const info of sorted) {
    const [begin, end] = info.dataOffsets;
    if (begin < coveredTo) {
      ctx.fail(
        "OVERLAP",
        `data_offsets [${begin}, ${end}] overlap tensor ${truncateForMessage(JSON.stringify(coveredBy!.name))}, which occupies [${coveredBy!.dataOffsets[0]}, ${coveredBy!.dataOffsets[1]}]`,
        FIX_DAMAGED_FILE,
        { tensor: info.name, fileOffset: dataStart + begin },
      );
    }
    if (begin > coveredTo && !allowGaps) {
      ctx.fail(
        "GAP",
        `data bytes [${coveredTo}, ${begin}) before this tensor belong to no tensor`,
        `${FIX_DAMAGED_FILE} To read it anyway, pass { allowGaps: true }.`,
        { tensor: info.name, fileOffset: dataStart + coveredTo },
      );
    }
    coveredTo = end;
    coveredBy = info;
  }
  if (coveredTo < dataLength && !allowGaps) {
    ctx.fail(
      "GAP",
      `the last ${dataLength - coveredTo} bytes of the data buffer belong to no tensor`,
      `${FIX_DAMAGED_FILE} To read it anyway, pass { allowGaps: true }.`,
      { fileOffset: dataStart + coveredTo },
    );
  }
}
