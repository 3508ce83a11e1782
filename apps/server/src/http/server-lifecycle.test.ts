/**
 * Admission, auth, CORS, request ids, keep-alives, timeouts, loading and shutdown. The engine runs
 * in-process (LocalEngine) on the default tiny model, so each case can have a server of its own.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { LocalEngine } from "../engine/index.js";
import { ensureDefaultModelDir } from "./default-model.js";
import { startTestServer, type TestServer } from "./server.fixture.js";
import { startServer, type ServeOptions } from "./start-server.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: ServeOptions = {}, engine: { maxSeqs?: number } = {}): Promise<TestServer> {
  const dir = await ensureDefaultModelDir();
  const t = await startTestServer({ model: dir, createEngine: (spec) => LocalEngine.load(spec, { kvBlocks: 128, ...engine }), engine, ...options });
  servers.push(t);
  return t;
}

/** Starts a long streaming completion and resolves once its first bytes arrived. */
async function longStream(t: TestServer, extra: Record<string, unknown> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${t.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: t.model, prompt: "a", max_tokens: 1000, ignore_eos: true, stream: true, ...extra }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = await reader.read();
  return { response, reader, first: new TextDecoder().decode(first.value), abort: () => controller.abort() };
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

describe("server lifecycle and limits", () => {
  it("answers 429 with Retry-After when the queue is full, and serves again afterwards", async () => {
    const t = await serve({ maxWaiting: 0 }, { maxSeqs: 1 });
    const busy = await longStream(t);
    const error = await t.client.completions.create({ model: t.model, prompt: "b", max_tokens: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("1");
    busy.abort();
    expect((await t.idleStats()).kv.usedBlocks).toBe(0);
    await expect(t.client.completions.create({ model: t.model, prompt: "b", max_tokens: 2 })).resolves.toMatchObject({ object: "text_completion" });
  });

  it("retrieves a model whose id contains a slash (GET /v1/models/org/name), 404 for others", async () => {
    const t = await serve({ servedModelName: "sieve-org/tiny-model" });
    const found = await fetch(`${t.url}/v1/models/sieve-org/tiny-model`);
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: "sieve-org/tiny-model", object: "model" });
    expect((await t.client.models.retrieve("sieve-org/tiny-model")).id).toBe("sieve-org/tiny-model");
    expect((await fetch(`${t.url}/v1/models/sieve-org/other`)).status).toBe(404);
  });

  it("requires the API key when one is set (401), and leaves /health open", async () => {
    const t = await serve({ apiKey: "secret-key" });
    const anonymous = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: "wrong", maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await fetch(`${t.url}/v1/models`)).status).toBe(401);
    await expect(t.client.models.list()).resolves.toMatchObject({ object: "list" });
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  it("sends CORS headers for allowed origins only, and x-request-id on every response", async () => {
    const t = await serve({ corsOrigins: ["http://ui.example"] });
    const allowed = await fetch(`${t.url}/v1/models`, { headers: { origin: "http://ui.example", "x-request-id": "trace-123" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://ui.example");
    expect(allowed.headers.get("x-request-id")).toBe("trace-123");
    const other = await fetch(`${t.url}/v1/models`, { headers: { origin: "http://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("x-request-id")).toMatch(/^req-/);
    const preflight = await fetch(`${t.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin: "http://ui.example", "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    const stream = await longStream(t, { max_tokens: 3 });
    expect(stream.response.headers.get("x-request-id")).toMatch(/^req-/);
    await readAll(stream.reader);
  });

  it("sends `: keep-alive` comments while a stream waits in the queue", async () => {
    const t = await serve({ keepAliveMs: 40, maxWaiting: 4 }, { maxSeqs: 1 });
    const busy = await longStream(t);
    const waiting = await fetch(`${t.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: t.model, prompt: "q", max_tokens: 2, stream: true }) });
    const reader = waiting.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(": keep-alive");
    busy.abort();
    const rest = await readAll(reader);
    expect(rest.trim().endsWith("data: [DONE]")).toBe(true);
  });

  it("ends a request that runs past --request-timeout with a 504, and frees its blocks", async () => {
    // 1000 tokens take well over 5 ms on any backend, so the timeout always wins the race.
    const t = await serve({ requestTimeoutMs: 5 });
    const error = await t.client.completions.create({ model: t.model, prompt: "a", max_tokens: 1000, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 504, code: "request_timeout" });
    expect((await t.idleStats()).kv.usedBlocks).toBe(0);
  });

  it("answers /health and the API with 503 while the model loads", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dir = await ensureDefaultModelDir();
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      model: dir,
      createEngine: async (spec) => {
        await gate;
        return LocalEngine.load(spec, { kvBlocks: 32 });
      },
      logger: pino({ level: "silent" }),
    });
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "loading" });
      const models = await fetch(`${server.url}/v1/models`);
      expect(models.status).toBe(503);
      expect(((await models.json()) as { error: { code: string } }).error.code).toBe("model_loading");
      release();
      await server.ready;
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      release();
      await server.close(100);
    }
  });

  it("shuts down gracefully: in-flight streams finish within the grace period, then the port closes", async () => {
    const t = await serve();
    const stream = await longStream(t, { max_tokens: 30 });
    const closed = t.server.close(10_000);
    const text = stream.first + (await readAll(stream.reader));
    expect(text).toMatch(/"finish_reason":"length"/);
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    await closed;
    await expect(fetch(`${t.url}/health`)).rejects.toThrow();
  });

  it("cancels what is still running when the grace period is over", async () => {
    const t = await serve();
    const stream = await longStream(t);
    await t.server.close(50);
    const text = stream.first + (await readAll(stream.reader));
    expect(text).toMatch(/"code":"cancelled"/);
  });
});
