import { beforeAll, describe, expect, it } from "vitest";
import { Llama2cTokenizer } from "./llama2c.js";
import { decodeTokens, Utf8StreamDecoder, type TokenByteSource } from "./stream-decoder.js";
import { assetPath, haveAssets } from "./test-assets.js";
import type { StreamDecoder } from "./types.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function streamAll(decoder: StreamDecoder, ids: readonly number[]): string[] {
  const chunks = ids.map((id) => decoder.push(id));
  chunks.push(decoder.flush());
  return chunks;
}

/** Every id is one byte (id 256 = a special "<eos>"); id 300 is " x", whose space SentencePiece drops after BOS (257). */
const byteSource: TokenByteSource = {
  tokenBytes: (id) => (id === 256 ? new TextEncoder().encode("<eos>") : id === 257 ? new TextEncoder().encode("<s>") : id === 300 ? new TextEncoder().encode(" x") : Uint8Array.of(id)),
  isSpecial: (id) => id === 256 || id === 257,
  dropsLeadingSpace: (previousId) => previousId === 257,
};

describe("Utf8StreamDecoder", () => {
  it("holds back the bytes of a character until it is complete", () => {
    const ids = [...new TextEncoder().encode("a😀é")];
    const chunks = streamAll(new Utf8StreamDecoder(byteSource), ids);
    expect(chunks).toEqual(["a", "", "", "", "😀", "", "é", ""]);
  });

  it("turns bytes that can never complete into U+FFFD, at flush at the latest", () => {
    expect(streamAll(new Utf8StreamDecoder(byteSource), [0xe4, 0xbd])).toEqual(["", "", "\uFFFD"]);
    expect(decodeTokens(byteSource, [0xe4, 0x41])).toBe("\uFFFDA");
  });

  it("skips special tokens unless asked, and keeps them as context for the space rule", () => {
    expect(decodeTokens(byteSource, [257, 300, 256])).toBe("x");
    expect(decodeTokens(byteSource, [257, 300, 256], { skipSpecial: false })).toBe("<s>x<eos>");
    expect(decodeTokens(byteSource, [300])).toBe(" x");
    expect(decodeTokens(byteSource, [300], { previousId: 257 })).toBe("x");
  });

  it("keeps a byte-order mark the model generates", () => {
    expect(decodeTokens(byteSource, [0xef, 0xbb, 0xbf, 0x41])).toBe("\uFEFFA");
  });
});

describe.skipIf(!haveAssets("stories260K/tok512.bin"))("streaming tok512 byte-fallback tokens", () => {
  let tokenizer: Llama2cTokenizer;
  beforeAll(async () => {
    tokenizer = await Llama2cTokenizer.fromFile(assetPath("stories260K/tok512.bin"));
  });

  it("never emits a broken character, and the chunks add up to decode()", () => {
    const text = "Tom said “héllo” to 你好 and 😀👩‍👩‍👧 ü—ñ!";
    const ids = tokenizer.encode(text);
    // The CJK characters and emoji are not in tok512, so they arrive as 3- and 4-byte runs.
    expect(ids.filter((id) => id >= 3 && id < 259).length).toBeGreaterThan(10);
    const chunks = streamAll(tokenizer.createStreamDecoder(), ids);
    expect(chunks.join("")).toBe(tokenizer.decode(ids));
    expect(chunks.join("")).toBe(text);
    for (const chunk of chunks) {
      expect(chunk).not.toContain("\uFFFD");
      expect(chunk).not.toMatch(LONE_SURROGATE);
    }
    expect(chunks.filter((chunk) => chunk === "").length).toBeGreaterThan(5);
  });

  it("applies run.c's rule: the token after BOS loses its dummy-prefix space, later ones keep theirs", () => {
    const ids = tokenizer.encode("Once upon a time");
    expect(streamAll(tokenizer.createStreamDecoder(), ids).join("")).toBe("Once upon a time");
    // Generation continuing a prompt: the decoder starts after the prompt's last token.
    const fromTime = tokenizer.createStreamDecoder({ previousId: ids[3] });
    expect(fromTime.push(ids[4]!)).toBe(" time");
  });
});
