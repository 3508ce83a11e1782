import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { readFully, writeFully, type PositionalReader, type PositionalWriter } from "./file-io.js";

/** A "file" that hands out at most `maxPerCall` bytes per read, like a pipe or a slow disk. */
function stingyReader(file: Uint8Array, maxPerCall: number): PositionalReader & { calls: number } {
  return {
    calls: 0,
    async read(buffer, offset, length, position) {
      this.calls++;
      const n = Math.max(0, Math.min(length, maxPerCall, file.length - position));
      buffer.set(file.subarray(position, position + n), offset);
      return { bytesRead: n };
    },
  };
}

function stingyWriter(file: Uint8Array, maxPerCall: number): PositionalWriter {
  return {
    async write(buffer, offset, length, position) {
      const n = Math.min(length, maxPerCall);
      file.set(buffer.subarray(offset, offset + n), position);
      return { bytesWritten: n };
    },
  };
}

const rng = new Rng(7);
const source = Uint8Array.from({ length: 1000 }, () => rng.int(256));

describe("readFully", () => {
  it("loops over short reads until the target is full", async () => {
    for (const maxPerCall of [1, 3, 64, 999, 5000]) {
      const target = new Uint8Array(500);
      const reader = stingyReader(source, maxPerCall);
      expect(await readFully(reader, target, 100)).toBe(500);
      expect(target).toEqual(source.subarray(100, 600));
      expect(reader.calls).toBe(Math.ceil(500 / Math.min(maxPerCall, 500)));
    }
  });

  it("never asks for more than maxChunk bytes in one call", async () => {
    const asked: number[] = [];
    const reader: PositionalReader = {
      async read(buffer, offset, length, position) {
        asked.push(length);
        buffer.set(source.subarray(position, position + length), offset);
        return { bytesRead: length };
      },
    };
    const target = new Uint8Array(100);
    await readFully(reader, target, 0, 32);
    expect(asked).toEqual([32, 32, 32, 4]);
    expect(target).toEqual(source.subarray(0, 100));
  });

  it("returns a short count at end of file instead of spinning", async () => {
    const target = new Uint8Array(50);
    expect(await readFully(stingyReader(source, 7), target, 980)).toBe(20);
    expect(await readFully(stingyReader(source, 7), target, 5000)).toBe(0);
  });
});

describe("writeFully", () => {
  it("loops over short writes", async () => {
    for (const maxPerCall of [1, 5, 1000]) {
      const file = new Uint8Array(1200);
      await writeFully(stingyWriter(file, maxPerCall), source, 100, 64);
      expect(file.subarray(100, 1100)).toEqual(source);
    }
  });

  it("throws when a write makes no progress", async () => {
    await expect(writeFully(stingyWriter(new Uint8Array(10), 0), source, 0)).rejects.toThrow(/no progress/);
  });
});
