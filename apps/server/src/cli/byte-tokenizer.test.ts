import { describe, expect, it } from "vitest";
import { ByteTokenizer } from "./byte-tokenizer.js";

describe("ByteTokenizer", () => {
  const tok = new ByteTokenizer(256, 1, [2]);

  it("encodes UTF-8 bytes after BOS and decodes them back", () => {
    const ids = tok.encode("héllo ☃");
    expect(ids[0]).toBe(1);
    expect(ids.slice(1)).toEqual([...new TextEncoder().encode("héllo ☃")]);
    expect(tok.decode(ids)).toBe("héllo ☃");
    expect(tok.encode("a", { addBos: false })).toEqual([97]);
  });

  it("streams multi-byte characters only when complete", () => {
    const decoder = tok.createStreamDecoder();
    const bytes = [...new TextEncoder().encode("☃")];
    expect(decoder.push(bytes[0]!)).toBe("");
    expect(decoder.push(bytes[1]!)).toBe("");
    expect(decoder.push(bytes[2]!)).toBe("☃");
  });

  it("skips BOS/EOS and ids beyond the byte range", () => {
    expect(tok.decode([1, 104, 105, 2])).toBe("hi");
    expect(new ByteTokenizer(300, 1, [2]).decode([104, 299])).toBe("h");
  });

  it("needs at least 256 ids", () => {
    expect(() => new ByteTokenizer(100, 1, [2])).toThrow(/at least 256/);
  });
});
