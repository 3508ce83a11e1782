/** Whole-file serialization into memory, for small checkpoints, tests and network transfer. */
import { assertLittleEndianHost, byteView } from "./bytes.js";
import { planSafetensors, type TensorsToWrite } from "./plan.js";

/** The exact bytes writeSafetensors would put on disk for the same arguments. */
export function serializeSafetensors(
  tensors: TensorsToWrite,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const label = "<serialized>";
  assertLittleEndianHost(label);
  const plan = planSafetensors(tensors, metadata, label);
  const out = new Uint8Array(plan.totalLength);
  out.set(plan.prefixAndHeader, 0);
  const dataStart = plan.prefixAndHeader.length;
  for (const entry of plan.tensors) {
    out.set(byteView(entry.tensor.contiguous().contiguousData()), dataStart + entry.begin);
  }
  return out;
}
