/**
 * Hostile and broken requests against a small real model (stories260K, else synth:test-tiny):
 * each gets an OpenAI-shaped error with the right status, and afterwards the server still
 * serves and the scheduler holds no KV blocks.
 */
import { request as httpRequest } from "node:http";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postRaw, smallModelSpec, startTestServer, type RawResponse, type TestServer } from "./server.fixture.js";

let t: TestServer;
const spec = smallModelSpec();
beforeAll(async () => {
  t = await startTestServer({ model: spec, maxBodyBytes: 1024 * 1024 });
});
afterAll(async () => {
  await t?.close();
});

/** After every case: the server still answers, and every KV block is free again. */
afterEach(async () => {
  const r = await t.client.completions.create({ model: t.model, prompt: "Once", max_tokens: 3 });
  expect(r.choices).toHaveLength(1);
  const stats = await t.idleStats();
  expect(stats.kv.usedBlocks).toBe(0);
});

const completions = () => `${t.url}/v1/completions`;
const body = (fields: Record<string, unknown>) => JSON.stringify({ model: t.model, ...fields });

function expectError(r: RawResponse, status: number, param?: string | null, code?: string) {
  expect(r.status).toBe(status);
  expect(r.json.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  if (param !== undefined) expect(r.json.error.param).toBe(param);
  if (code !== undefined) expect(r.json.error.code).toBe(code);
}

describe("bad input never crashes the server nor leaks KV blocks", () => {
  it("malformed JSON: 400", async () => {
    expectError(await postRaw(completions(), '{"model": "x", "prompt": '), 400, null, "invalid_json");
    expectError(await postRaw(completions(), ""), 400, null, "invalid_json");
    expectError(await postRaw(completions(), "[1, 2]"), 400);
  });

  it("wrong types: 400 naming the parameter", async () => {
    expectError(await postRaw(completions(), body({ prompt: "a", temperature: "hot" })), 400, "temperature");
    expectError(await postRaw(completions(), body({ prompt: { text: "a" } })), 400);
    expectError(await postRaw(completions(), body({ prompt: "a", n: 0 })), 400, "n");
    expectError(await postRaw(completions(), body({ prompt: "a", stop: [""] })), 400, "stop[0]");
    expectError(await postRaw(completions(), JSON.stringify({ prompt: "a" })), 400, "model");
    expectError(await postRaw(`${t.url}/v1/chat/completions`, body({ messages: "hi" })), 400, "messages");
    expectError(await postRaw(`${t.url}/v1/chat/completions`, body({ messages: [{ role: "user", content: [{ type: "image_url" }] }] })), 400);
  });

  it("negative, zero, fractional and huge max_tokens: 400", async () => {
    expectError(await postRaw(completions(), body({ prompt: "a", max_tokens: -5 })), 400, "max_tokens");
    expectError(await postRaw(completions(), body({ prompt: "a", max_tokens: 0 })), 400, "max_tokens");
    expectError(await postRaw(completions(), body({ prompt: "a", max_tokens: 2.5 })), 400, "max_tokens");
    const huge = await postRaw(completions(), body({ prompt: "a", max_tokens: 1e12 }));
    expectError(huge, 400, "max_tokens", "context_length_exceeded");
    expect(huge.json.error.message).toMatch(/maximum context length is \d+ tokens/);
  });

  it("invalid UTF-8 bytes in the body: 400 with the offset", async () => {
    const bytes = Buffer.concat([Buffer.from(`{"model":"${t.model}","prompt":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const r = await postRaw(completions(), bytes);
    expectError(r, 400, null, "invalid_utf8");
    expect(r.json.error.message).toMatch(/offset \d+/);
  });

  it("empty prompts: text starts from BOS, an empty id list is a 400", async () => {
    const r = await postRaw(completions(), body({ prompt: "", max_tokens: 2 }));
    expect(r.status).toBe(200);
    expect(r.json.usage.prompt_tokens).toBe(1);
    expectError(await postRaw(completions(), body({ prompt: [] })), 400);
    expectError(await postRaw(completions(), body({ prompt: [[]] })), 400);
  });

  it("a prompt over the context: 400 with the counts", async () => {
    const maxLen = t.server.state.loaded!.engine.info.maxSeqLen;
    const ids = Array.from({ length: maxLen + 10 }, (_, i) => 3 + (i % 200));
    const r = await postRaw(completions(), body({ prompt: ids }));
    expectError(r, 400, "prompt", "context_length_exceeded");
    expect(r.json.error.message).toContain(`${maxLen + 10} tokens`);
    expectError(await postRaw(completions(), body({ prompt: [1, 99999] })), 400, "prompt", "invalid_token_id");
  });

  it("a 10 MB body: 413", async () => {
    const r = await postRaw(completions(), body({ prompt: "x".repeat(10 * 1024 * 1024) }));
    expectError(r, 413, null, "body_too_large");
  });

  it("a content type other than JSON: 415", async () => {
    expectError(await postRaw(completions(), "prompt=a", { "content-type": "application/x-www-form-urlencoded" }), 415);
  });

  it("unknown routes and methods: 404 in OpenAI's shape", async () => {
    const r = await fetch(`${t.url}/v1/engines`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("a client that disconnects mid-stream cancels its sequence and frees its blocks at once", async () => {
    const engine = t.server.state.loaded!.engine;
    const before = (await engine.stats()).finished.abort ?? 0;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(completions(), { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once("data", () => {
          // First bytes arrived: the sequence holds blocks. Hang up.
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      req.on("close", resolve);
      req.end(body({ prompt: "Once upon a time", max_tokens: 400, stream: true, ignore_eos: true }));
      setTimeout(() => reject(new Error("no stream data")), 20_000).unref();
    });
    const stats = await t.idleStats();
    expect(stats.kv.usedBlocks).toBe(0);
    expect(stats.finished.abort).toBe(before + 1);
    // Far fewer than the 400 tokens asked for were generated.
    expect(stats.sampledTokens).toBeLessThan(400 + 50);
  });

  it("a client that disconnects while waiting for a whole (non-streamed) answer cancels it too", async () => {
    const engine = t.server.state.loaded!.engine;
    const before = (await engine.stats()).finished.abort ?? 0;
    const controller = new AbortController();
    const pending = fetch(completions(), { method: "POST", headers: { "content-type": "application/json" }, body: body({ prompt: "Once upon a time", max_tokens: 400, ignore_eos: true }), signal: controller.signal }).catch(() => undefined);
    // Hang up once the request is running in the engine.
    for (let i = 0; i < 200 && (await engine.stats()).running === 0; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await pending;
    const stats = await t.idleStats();
    expect(stats.kv.usedBlocks).toBe(0);
    expect(stats.finished.abort).toBe(before + 1);
  });

  it("chat on a model without a chat template: a clear 400", async () => {
    if (spec.startsWith("synth:")) return; // the byte fallback tokenizer has no template either; same path
    const error = await t.client.chat.completions.create({ model: t.model, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ param: "messages", code: "chat_template_missing" });
  });
});
