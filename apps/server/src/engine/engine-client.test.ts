/**
 * The engine on its worker thread, on a synthetic model (no assets needed): the worker path
 * gives what the in-process path gives; load errors reject start(); a crash in the worker fails
 * every in-flight request instead of hanging; shutdown cancels what is in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient, EngineLoadError } from "./engine-client.js";
import { loadEngineModel } from "./engine-model.js";
import { collect } from "./events.fixture.js";
import { LocalEngine } from "./local-engine.js";
import type { EngineRequest } from "./types.js";

const requests: EngineRequest[] = [
  { promptIds: [1, 20, 30, 40], maxTokens: 12 },
  { promptIds: [1, 7], maxTokens: 20 },
  { promptIds: Array.from({ length: 50 }, (_, i) => 3 + ((i * 37) % 250)), maxTokens: 9 },
].map((r) => ({ ...r, temperature: 0, ignoreEos: true }));

let client: EngineClient;
beforeAll(async () => {
  client = await EngineClient.start("synth:test-tiny", { backend: "reference", kvBlocks: 32, maxPrefillChunk: 16 });
});
afterAll(async () => {
  await client?.shutdown();
});

describe("EngineClient (worker thread)", () => {
  it("loads in the worker, reports what it loaded, and generates what the in-process engine generates", async () => {
    expect(client.info).toMatchObject({ format: "synth", backend: "reference", vocabSize: 256, hasTokenizer: false, kvBlocks: 32 });
    const local = new LocalEngine(await loadEngineModel("synth:test-tiny", { backend: "reference" }), { kvBlocks: 32 });
    const expected = await Promise.all(requests.map((r) => collect(local.submit(r))));
    const got = await Promise.all(requests.map((r) => collect(client.submit(r))));
    expect(got.map((c) => c.tokenIds)).toEqual(expected.map((c) => c.tokenIds));
    expect(got.map((c) => c.finish?.usage)).toEqual(expected.map((c) => c.finish?.usage).map((u) => ({ ...u!, queueTimeMs: expect.any(Number) })));
    expect(await client.stats()).toMatchObject({ running: 0, waiting: 0, inFlight: 0, kv: { usedBlocks: 0 } });
  });

  it("reports the per-layer sparsity of the model loaded in the worker", async () => {
    const report = await client.reportSparsity();
    expect(report.linears.length).toBeGreaterThan(0);
    for (const l of report.linears) expect(l).toMatchObject({ kind: "dense", weightSparsity: 0 });
  });

  it("a bad request fails alone, over the worker boundary too", async () => {
    const [bad, good, unsendable] = [
      client.submit({ promptIds: [1, 2], temperature: -1 }),
      client.submit(requests[0]!),
      client.submit({ promptIds: [1], logitBias: (() => 0) as unknown as Record<number, number> }),
    ].map(collect);
    expect((await bad).error).toMatchObject({ code: "invalid_request", param: "temperature" });
    expect((await unsendable).error).toMatchObject({ code: "invalid_request" });
    expect((await good).finish?.finishReason).toBe("length");
  });

  it("rejects start() with the loader's message when the model cannot be loaded", async () => {
    await expect(EngineClient.start("synth:no-such-preset")).rejects.toThrow(EngineLoadError);
    await expect(EngineClient.start("/no/such/model.bin")).rejects.toThrow(/no such file/);
  });

  it("a crash in the worker fails every in-flight request with an error event, and is reported", async () => {
    const crashes: Error[] = [];
    const doomed = await EngineClient.start("synth:test-tiny", { backend: "reference", kvBlocks: 32, onCrash: (e) => crashes.push(e) });
    const streams = [0, 1, 2].map((i) => doomed.submit({ promptIds: [1, 2 + i], maxTokens: 120, ignoreEos: true }));
    const first = streams[0]![Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ type: "token" });
    doomed.crashForTest();
    const rest = await Promise.all(streams.slice(1).map(collect));
    let last = await first.next();
    while (!last.done && last.value.type === "token") last = await first.next();
    for (const outcome of [last.value, ...rest.map((c) => c.error)]) expect(outcome).toMatchObject({ type: "error", code: "engine_failed" });
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.message).toContain("crash requested");
    expect((await collect(doomed.submit({ promptIds: [1] }))).error).toMatchObject({ code: "engine_failed" });
    await expect(doomed.stats()).rejects.toThrow();
    await doomed.shutdown();
  });

  it("shutdown cancels what is in flight and ends the worker", async () => {
    const other = await EngineClient.start("synth:test-tiny", { backend: "reference", kvBlocks: 32 });
    const stream = collect(other.submit({ promptIds: [1, 2], maxTokens: 120, ignoreEos: true }));
    await other.shutdown();
    const r = await stream;
    expect(r.finish?.finishReason ?? r.error?.code).toMatch(/abort|engine_failed/);
    expect(other.failed).toBeDefined();
  });
});
