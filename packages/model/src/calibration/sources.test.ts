import { describe, expect, it } from "vitest";
import { PieceTokenizer, tinyModel } from "../generate/tiny-model.fixture.js";
import { calibrationFromModel } from "./model-source.js";
import { calibrationFromText } from "./text-source.js";

describe("calibration sources", () => {
  const tokenizer = new PieceTokenizer();

  it("cuts N seeded windows of L tokens from BOS-separated documents", () => {
    const text = "the ab bc<|endoftext|>the cd de ea<|endoftext|>xy yz the stop";
    const a = calibrationFromText(tokenizer, text, { samples: 4, length: 6, seed: 7 });
    const b = calibrationFromText(tokenizer, text, { samples: 4, length: 6, seed: 7 });
    expect(a).toHaveLength(4);
    for (const s of a) expect(s.length).toBe(6);
    expect(a).toEqual(b);
    // Every window is a slice of the BOS-joined stream.
    const stream = text.split("<|endoftext|>").flatMap((d) => [1, ...tokenizer.encode(d.trim(), { addBos: false })]);
    const joined = stream.join(",");
    for (const s of a) expect(joined).toContain([...s].join(","));
    expect(() => calibrationFromText(tokenizer, "ab", { samples: 1, length: 50 })).toThrow(/fewer than one sample/);
  });

  it("samples N sequences of L tokens from the model, starting at BOS", async () => {
    const model = tinyModel(5);
    const samples = await calibrationFromModel(model, tokenizer, { samples: 3, length: 12, seed: 1 });
    expect(samples).toHaveLength(3);
    for (const s of samples) {
      expect(s.length).toBe(12);
      expect(s[0]).toBe(1);
    }
    const again = await calibrationFromModel(model, tokenizer, { samples: 3, length: 12, seed: 1 });
    expect(again).toEqual(samples);
  });
});
