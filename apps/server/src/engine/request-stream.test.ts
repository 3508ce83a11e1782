import { describe, expect, it } from "vitest";
import { RequestRouter } from "./request-stream.js";
import type { EngineFinishEvent } from "./types.js";

const finish = (requestId: string): EngineFinishEvent => ({
  type: "finish",
  requestId,
  finishReason: "length",
  text: "",
  usage: { promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0, queueTimeMs: 0, preemptions: 0 },
});

describe("RequestRouter", () => {
  it("delivers events to their stream and ends it after the finish event", async () => {
    const router = new RequestRouter(() => {});
    const a = router.openStream("a");
    router.dispatch([{ type: "token", requestId: "a", tokenId: 5, text: "x" }, { type: "token", requestId: "zzz", tokenId: 1, text: "" }, finish("a")]);
    const got = [];
    for await (const e of a) got.push(e.type);
    expect(got).toEqual(["token", "finish"]);
    expect(router.open).toBe(0);
  });

  it("cancels a request whose consumer stops early, and fails every open stream at once when the engine dies", async () => {
    const cancelled: string[] = [];
    const router = new RequestRouter((id) => cancelled.push(id));
    const a = router.openStream("a");
    const b = router.openStream("b");
    router.dispatch([{ type: "token", requestId: "a", tokenId: 5, text: "x" }]);
    for await (const e of a) if (e.type === "token") break;
    expect(cancelled).toEqual(["a"]);
    const pending = (async () => {
      const events = [];
      for await (const e of b) events.push(e);
      return events;
    })();
    router.failAll("boom");
    expect(await pending).toEqual([{ type: "error", requestId: "b", code: "engine_failed", message: "boom" }]);
  });
});
