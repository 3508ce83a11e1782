/** Shared checks of the CSR-style formats' pointer arrays and kept counts. */

/** Number of kept weights of a mask; the formats address values with int32 offsets. */
export function countKept(fn: string, mask: Uint8Array): number {
  let nnz = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) nnz++;
  if (nnz > 0x7fffffff) throw new RangeError(`${fn}: ${nnz} kept weights exceed the int32 offsets of the format`);
  return nnz;
}

/** ptr has count + 1 entries, starts at 0, never decreases and ends at nnz. */
export function validateRowPointers(ptr: Int32Array, count: number, nnz: number, where: string, name: string): void {
  if (ptr.length !== count + 1) throw new RangeError(`${where}: ${name} has ${ptr.length} entries, expected ${count + 1}`);
  if (ptr[0] !== 0) throw new RangeError(`${where}: ${name}[0] is ${ptr[0]}, expected 0`);
  for (let i = 0; i < count; i++) {
    if (ptr[i + 1]! < ptr[i]!) throw new RangeError(`${where}: ${name}[${i + 1}] = ${ptr[i + 1]} is less than ${name}[${i}] = ${ptr[i]}`);
  }
  if (ptr[count] !== nnz) throw new RangeError(`${where}: ${name}[${count}] is ${ptr[count]}, but there are ${nnz} values`);
}
