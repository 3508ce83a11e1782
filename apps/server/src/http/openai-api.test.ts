/**
 * The OpenAI API through the official `openai` client, against the built-in default model (a
 * synthetic test-tiny with a byte tokenizer and a chat template) on its worker thread.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postRaw, startTestServer, type TestServer } from "./server.fixture.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe("OpenAI API with the official client", () => {
  it("lists the model and says plainly that it is synthetic", async () => {
    const models = await t.client.models.list();
    expect(models.data).toHaveLength(1);
    expect(models.data[0]).toMatchObject({ id: "sieve-tiny-random", object: "model", owned_by: "sieve (synthetic, random weights)" });
    expect((models.data[0] as unknown as { description: string }).description).toMatch(/RANDOM weights/);
  });

  it("completes a prompt, with usage", async () => {
    const r = await t.client.completions.create({ model: t.model, prompt: "Hello", max_tokens: 12, temperature: 0, stop: null });
    expect(r.object).toBe("text_completion");
    expect(r.choices).toHaveLength(1);
    expect(["stop", "length"]).toContain(r.choices[0]!.finish_reason);
    expect(r.usage).toMatchObject({ prompt_tokens: 6 });
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("answers a chat through the model's chat template", async () => {
    const r = await t.client.chat.completions.create({ model: t.model, messages: [{ role: "user", content: "hi" }], max_completion_tokens: 10, seed: 3 });
    expect(r.object).toBe("chat.completion");
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(typeof r.choices[0]!.message.content).toBe("string");
    // "<|user|>\nhi\n<|assistant|>\n" in bytes, plus BOS.
    expect(r.usage!.prompt_tokens).toBe(1 + "<|user|>\nhi\n<|assistant|>\n".length);
  });

  it("streams chat like OpenAI: role first, content deltas, finish, usage chunk, [DONE]", async () => {
    const stream = await t.client.chat.completions.create({ model: t.model, messages: [{ role: "user", content: "hi" }], max_tokens: 8, seed: 5, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: expect.any(Number), prompt_tokens: expect.any(Number) });
    const finishes = chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean);
    expect(finishes).toHaveLength(1);
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).join("");
    const whole = await t.client.chat.completions.create({ model: t.model, messages: [{ role: "user", content: "hi" }], max_tokens: 8, seed: 5 });
    expect(text).toBe(whole.choices[0]!.message.content);
  });

  it("streams completions and ends with data: [DONE]", async () => {
    const response = await fetch(`${t.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: t.model, prompt: "ab", max_tokens: 4, stream: true, seed: 1 }) });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const body = await response.text();
    const events = body.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    for (const e of events.slice(0, -1)) expect(JSON.parse(e.replace(/^data: /, ""))).toMatchObject({ object: "text_completion" });
  });

  it("n > 1 gives n choices from seeds derived from `seed`; choice 0 equals the n = 1 answer", async () => {
    const three = await t.client.completions.create({ model: t.model, prompt: "abc", max_tokens: 10, n: 3, seed: 42, temperature: 1 });
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const one = await t.client.completions.create({ model: t.model, prompt: "abc", max_tokens: 10, seed: 42, temperature: 1 });
    expect(three.choices[0]!.text).toBe(one.choices[0]!.text);
    expect(new Set(three.choices.map((c) => c.text)).size).toBeGreaterThan(1);
    expect(three.usage!.prompt_tokens).toBe(4);
  });

  it("streams n > 1 choices, each with its own finish, and echoes prompts when asked", async () => {
    const stream = await t.client.completions.create({ model: t.model, prompt: "hey", max_tokens: 5, n: 2, seed: 9, stream: true, echo: true });
    const texts = ["", ""];
    const finishes: (string | null)[] = [null, null];
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        texts[c.index] += c.text;
        finishes[c.index] = c.finish_reason ?? finishes[c.index]!;
      }
    }
    for (const f of finishes) expect(["stop", "length"]).toContain(f);
    expect(texts.every((x) => x.startsWith("hey"))).toBe(true);
    const whole = await t.client.completions.create({ model: t.model, prompt: "hey", max_tokens: 5, n: 2, seed: 9, echo: true });
    expect(whole.choices.map((c) => c.text)).toEqual(texts);
  });

  it("the same seed gives the same text; a batch of prompts gives one choice each", async () => {
    const ask = () => t.client.completions.create({ model: t.model, prompt: ["x", "yz"], max_tokens: 12, seed: 7, temperature: 0.9, top_k: 50, top_p: 0.95, min_p: 0.01, repetition_penalty: 1.1 } as OpenAI.CompletionCreateParamsNonStreaming);
    const [a, b] = [await ask(), await ask()];
    expect(a.choices).toHaveLength(2);
    expect(a.choices.map((c) => c.text)).toEqual(b.choices.map((c) => c.text));
    expect(a.usage!.prompt_tokens).toBe(2 + 3);
  });

  it("stops before a stop string, and reports finish_reason stop", async () => {
    // logit_bias forces "aaaa...", so the stop string "aa" ends it before anything is shown.
    const r = await t.client.completions.create({ model: t.model, prompt: "Q", max_tokens: 20, temperature: 0, logit_bias: { "97": 100 }, stop: ["aa"] });
    expect(r.choices[0]).toMatchObject({ text: "", finish_reason: "stop" });
    const s = await t.client.completions.create({ model: t.model, prompt: "Q", max_tokens: 5, temperature: 0, logit_bias: { "98": 100 }, stop: "zz" });
    expect(s.choices[0]).toMatchObject({ text: "bbbbb", finish_reason: "length" });
  });

  it("returns logprobs in both shapes", async () => {
    const c = await t.client.completions.create({ model: t.model, prompt: "a", max_tokens: 3, logprobs: 2, seed: 1 });
    const lp = c.choices[0]!.logprobs!;
    expect(lp.tokens).toHaveLength(3);
    expect(lp.token_logprobs!.every((x) => x <= 0)).toBe(true);
    expect(Object.keys(lp.top_logprobs![0]!).length).toBeGreaterThan(0);
    const chat = await t.client.chat.completions.create({ model: t.model, messages: [{ role: "user", content: "a" }], max_tokens: 3, logprobs: true, top_logprobs: 2, seed: 1 });
    const entries = chat.choices[0]!.logprobs!.content!;
    expect(entries).toHaveLength(3);
    expect(entries[0]!.top_logprobs).toHaveLength(2);
    expect(entries[0]!.bytes).toHaveLength(1);
  });

  it("maps errors to the client's classes: 400 with the parameter, 404 for an unknown model", async () => {
    await expect(t.client.completions.create({ model: t.model, prompt: "a", top_p: 3 })).rejects.toMatchObject({ status: 400, param: "top_p" });
    await expect(t.client.completions.create({ model: t.model, prompt: "a", max_tokens: 5000 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(t.client.completions.create({ model: "gpt-4", prompt: "a" })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(t.client.chat.completions.create({ model: t.model, messages: [{ role: "user", content: "a" }], tools: [{ type: "function", function: { name: "f" } }] })).rejects.toMatchObject({ status: 400, param: "tools" });
  });

  it("tokenizes and detokenizes with the serving tokenizer", async () => {
    const tok = await postRaw(`${t.url}/tokenize`, JSON.stringify({ prompt: "hé" }));
    expect(tok.json).toEqual({ count: 4, max_model_len: 1024, tokens: [1, 104, 195, 169] });
    const chat = await postRaw(`${t.url}/tokenize`, JSON.stringify({ messages: [{ role: "user", content: "x" }] }));
    expect(chat.json.count).toBe(1 + "<|user|>\nx\n<|assistant|>\n".length);
    const detok = await postRaw(`${t.url}/detokenize`, JSON.stringify({ tokens: [104, 195, 169] }));
    expect(detok.json).toEqual({ prompt: "hé" });
  });

  it("exposes vLLM-style metrics with the model name, and frees every KV block", async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of ["num_requests_running", "num_requests_waiting", "kv_cache_usage_perc", "prompt_tokens_total", "generation_tokens_total", "time_to_first_token_seconds_bucket", "inter_token_latency_seconds_bucket", "e2e_request_latency_seconds_count", "request_queue_time_seconds_count", "prefix_cache_queries_total", "prefix_cache_hits_total"]) {
      expect(text).toMatch(new RegExp(`^sieve:${name}\\{[^}]*model_name="sieve-tiny-random"`, "m"));
    }
    // No activation/KV technique is on: those gauges have no series.
    expect(text).not.toMatch(/^sieve:activation_sparsity\{/m);
    const stats = await t.idleStats();
    expect(stats.kv.usedBlocks).toBe(0);
    expect(text).toMatch(/^sieve:kv_cache_blocks\{model_name="sieve-tiny-random",state="used"\} 0$/m);
  });
});
