import { describe, expect, it } from "vitest";
import { haveAssets, onlyJson, sieve, STORIES_BIN } from "./cli.fixture.js";

describe.runIf(haveAssets())("sieve generate on stories260K", () => {
  it("prints one JSON object with the text, token ids, finish reason, usage and timing", async () => {
    const run = await sieve("generate", "--model", STORIES_BIN, "--prompt", "Once upon a time", "--max-tokens", "20", "--temperature", "0", "--json");
    expect(run.code).toBe(0);
    const out = onlyJson(run);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["text", "token_ids", "finish_reason", "usage", "timing"]));
    expect(out.finish_reason).toMatch(/^(length|stop)$/);
    expect((out.token_ids as number[]).length).toBeGreaterThan(0);
    expect(typeof out.text).toBe("string");
    expect((out.text as string).length).toBeGreaterThan(0);
  });

  it("is reproducible with --seed and differs with another seed", async () => {
    const args = ["generate", "--model", STORIES_BIN, "--prompt", "Lily", "--max-tokens", "30", "--temperature", "1", "--top-p", "0.95", "--json"];
    const a = onlyJson(await sieve(...args, "--seed", "7"));
    const b = onlyJson(await sieve(...args, "--seed", "7"));
    const c = onlyJson(await sieve(...args, "--seed", "8"));
    expect(b.token_ids).toEqual(a.token_ids);
    expect(b.text).toBe(a.text);
    expect(c.token_ids).not.toEqual(a.token_ids);
  });

  it("streams the text to stdout in human mode and reports stats on stderr", async () => {
    const run = await sieve("generate", "--model", STORIES_BIN, "--prompt", "Once upon a time", "--max-tokens", "12", "--temperature", "0");
    expect(run.code).toBe(0);
    const json = onlyJson(await sieve("generate", "--model", STORIES_BIN, "--prompt", "Once upon a time", "--max-tokens", "12", "--temperature", "0", "--json"));
    expect(run.stdout).toBe(`${json.text as string}\n`);
    expect(run.stderr).toMatch(/\d+ tokens, finish: (length|stop)/);
  });

  it("stops before a --stop string", async () => {
    const out = onlyJson(await sieve("generate", "--model", STORIES_BIN, "--prompt", "Once upon a time", "--max-tokens", "60", "--temperature", "0", "--stop", ".", "--json"));
    expect(out.text).not.toContain(".");
    expect(out.finish_reason).toBe("stop");
  });
});
