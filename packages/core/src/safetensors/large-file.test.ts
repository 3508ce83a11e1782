/**
 * Files past 2 GiB and 4 GiB, where 32-bit offsets (signed or not) would wrap. The file is sparse:
 * `truncate` extends it without writing the filler, so it costs almost nothing on disk, and only
 * the small tensors beyond the boundaries are ever read.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SafetensorsFile } from "./reader.js";
import { makeTempDir } from "./test-support.js";

const temp = makeTempDir();
afterAll(() => temp.cleanup());

const GiB = 2 ** 30;

describe("safetensors files larger than 4 GiB", () => {
  it("reads tensors that straddle the 2 GiB and 4 GiB file offsets", async (context) => {
    // The header length is fixed first (JSON padded to 512 bytes), so data offsets can be chosen to
    // make the two small tensors straddle absolute file offsets 2^31 and 2^32.
    const headerLength = 512;
    const dataStart = 8 + headerLength;
    const midBegin = 2 * GiB - 8 - dataStart; // f32 x4: file bytes [2^31 - 8, 2^31 + 8)
    const tailBegin = 4 * GiB - 8 - dataStart; // i64 x2: file bytes [2^32 - 8, 2^32 + 8)
    const end = tailBegin + 16;
    const entries = {
      filler1: { dtype: "U8", shape: [midBegin], data_offsets: [0, midBegin] },
      mid: { dtype: "F32", shape: [4], data_offsets: [midBegin, midBegin + 16] },
      filler2: { dtype: "U8", shape: [tailBegin - midBegin - 16], data_offsets: [midBegin + 16, tailBegin] },
      tail: { dtype: "I64", shape: [2], data_offsets: [tailBegin, end] },
    };
    const json = JSON.stringify(entries);
    expect(json.length).toBeLessThanOrEqual(headerLength);
    const prefixAndHeader = new Uint8Array(dataStart).fill(0x20);
    new DataView(prefixAndHeader.buffer).setBigUint64(0, BigInt(headerLength), true);
    prefixAndHeader.set(new TextEncoder().encode(json), 8);

    const midValues = new Float32Array([1.5, -2.5, 3.5, -4.5]);
    const tailValues = new BigInt64Array([-(2n ** 62n), 2n ** 62n + 7n]);
    const path = join(temp.dir, "sparse.safetensors");
    const handle = await open(path, "w");
    try {
      await handle.write(prefixAndHeader, 0, prefixAndHeader.length, 0);
      await handle.truncate(dataStart + end);
      await handle.write(new Uint8Array(midValues.buffer), 0, 16, dataStart + midBegin);
      await handle.write(new Uint8Array(tailValues.buffer), 0, 16, dataStart + tailBegin);
    } catch (error) {
      context.skip(`filesystem refused a sparse 4 GiB file: ${String(error)}`);
    } finally {
      await handle.close();
    }

    await using file = await SafetensorsFile.open(path);
    expect(file.names()).toEqual(["filler1", "mid", "filler2", "tail"]);
    expect(file.info("filler2").byteLength).toBeGreaterThan(2 * GiB - 64);
    expect(file.info("mid").byteOffset).toBe(2 ** 31 - 8);
    expect(file.info("tail").byteOffset).toBe(2 ** 32 - 8);

    const mid = await file.read("mid");
    expect([...mid.data]).toEqual([...midValues]);
    const tail = await file.read("tail");
    expect([...(tail.data as BigInt64Array)]).toEqual([...tailValues]);
    const raw = await file.readInto("tail", new Uint8Array(16));
    expect(raw).toEqual(new Uint8Array(tailValues.buffer));
  });
});
