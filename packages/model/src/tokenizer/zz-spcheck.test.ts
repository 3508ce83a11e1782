import { readFileSync } from "node:fs";
import { it, expect } from "vitest";
import { Llama2cTokenizer } from "./llama2c.js";
import { tokenizerFromGgufMetadata } from "./gguf-vocab.js";
import { gguf } from "@huggingface/gguf";
it("matches run.c port and sentencepiece", async () => {
  const ref = JSON.parse(readFileSync("/tmp/runc_ref.json", "utf8"));
  const sp = JSON.parse(readFileSync("/tmp/sp_ref.json", "utf8"));
  const tok = await Llama2cTokenizer.fromFile("/work/shared/assets/stories260K/tok512.bin");
  const { metadata } = await gguf("/work/shared/assets/stories260K/stories260Ktok512.gguf", { allowLocalFile: true });
  const g = tokenizerFromGgufMetadata(metadata as any);
  ref.stories.forEach((s: string, i: number) => { expect(tok.encode(s, { addBos: false })).toEqual(ref.ids[i]); expect(g.encode(s, { addBos: false })).toEqual(ref.ids[i]); });
  const whole = readFileSync("/work/shared/assets/data/tinystories-valid-46.txt", "utf8");
  const t0 = performance.now();
  expect(tok.encode(whole)).toEqual(ref.whole);
  console.log("whole llama2c ms", performance.now() - t0);
  expect(g.encode(whole, { parseSpecial: false })).toEqual(ref.whole);
  for (const [s, ids] of Object.entries(sp.extra)) { if (s.includes("  ")) continue; expect(tok.encode(s, { addBos: false })).toEqual(ids); expect(g.encode(s, { addBos: false })).toEqual(ids); }
});
