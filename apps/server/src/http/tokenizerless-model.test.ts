/**
 * A checkpoint without a tokenizer (synth:test-tiny): the server encodes and decodes UTF-8 bytes
 * on the HTTP thread, as `sieve generate` does, and applies stop strings there (cancelling the
 * engine request when one is found).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEngine } from "../engine/index.js";
import { startTestServer, type TestServer } from "./server.fixture.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ model: "synth:test-tiny", createEngine: (spec) => LocalEngine.load(spec, { kvBlocks: 64 }) });
});
afterAll(async () => {
  await t?.close();
});

describe("a model without a tokenizer", () => {
  it("is described as synthetic with bytes for tokens", async () => {
    const models = await t.client.models.list();
    expect(models.data[0]).toMatchObject({ id: "synth:test-tiny", owned_by: "sieve (synthetic, random weights)" });
    expect((models.data[0] as unknown as { description: string }).description).toMatch(/UTF-8 bytes as token ids/);
  });

  it("encodes text prompts as bytes and decodes the output on this thread", async () => {
    const r = await t.client.completions.create({ model: t.model, prompt: "hi", max_tokens: 4, temperature: 0, logit_bias: { "120": 100 } });
    expect(r.usage!.prompt_tokens).toBe(3);
    expect(r.choices[0]).toMatchObject({ text: "xxxx", finish_reason: "length" });
  });

  it("finds stop strings here, reports finish_reason stop and frees the blocks", async () => {
    // +100 for "a", +99.5 for "b", and a frequency penalty of 2: greedy decoding alternates "abab...".
    const r = await t.client.completions.create({ model: t.model, prompt: "hi", max_tokens: 40, temperature: 0, logit_bias: { "97": 100, "98": 99.5 }, frequency_penalty: 2, stop: ["ba"] });
    expect(r.choices[0]).toMatchObject({ text: "a", finish_reason: "stop" });
    expect(r.usage!.completion_tokens).toBe(3);
    expect((await t.idleStats()).kv.usedBlocks).toBe(0);
  });

  it("streams the same text", async () => {
    const stream = await t.client.completions.create({ model: t.model, prompt: "hi", max_tokens: 40, temperature: 0, logit_bias: { "97": 100, "98": 99.5 }, frequency_penalty: 2, stop: ["bab"], stream: true });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("a");
    expect(finish).toBe("stop");
  });
});
