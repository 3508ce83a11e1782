import { describe, expect, it } from "vitest";
import { haveAssets, onlyJson, sieve, sieveProcess, STORIES_BIN } from "./cli.fixture.js";

/** Every failure: exit code 1, and one line on stderr naming what was wrong (or {"error"} with --json). */
function expectOneLineError(run: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^sieve: error: /);
  expect(lines[0]).toMatch(pattern);
}

describe("sieve errors", () => {
  it("a spec that names nothing", async () => {
    expectOneLineError(await sieve("inspect", "--model", "/no/such/model.gguf"), /\/no\/such\/model\.gguf: no such file or directory/);
  });

  it("an unknown synthetic preset or dtype", async () => {
    expectOneLineError(await sieve("inspect", "--model", "synth:nope"), /unknown synthetic preset "nope"/);
    expectOneLineError(await sieve("inspect", "--model", "synth:test-tiny:f8"), /unknown dtype "f8"/);
    expectOneLineError(await sieve("synth", "nope", "--out", "/tmp/x"), /unknown preset "nope"/);
  });

  it("bad flag values name the flag", async () => {
    expectOneLineError(await sieve("generate", "--model", "synth:test-tiny", "--max-tokens", "abc"), /--max-tokens/);
    expectOneLineError(await sieve("generate", "--model", "synth:test-tiny", "--top-p", "2"), /--top-p.*\(0, 1\]/);
    expectOneLineError(await sieve("convert", "--model", "synth:test-tiny", "--to", "onnx", "--out", "/tmp/x"), /--to.*onnx/);
    expectOneLineError(await sieve("bench", "--model", "synth:test-tiny", "--gen-tokens", "4096"), /--gen-tokens 4096 exceed the model's context of 128/);
  });

  it("a missing required flag, an unknown flag, an unknown command", async () => {
    expectOneLineError(await sieve("generate"), /--model/);
    expectOneLineError(await sieve("generate", "--model", "synth:test-tiny", "--frobnicate"), /unknown option '--frobnicate'/);
    expectOneLineError(await sieve("fly"), /unknown command 'fly'/);
  });

  it("a missing data file", async () => {
    expectOneLineError(await sieve("eval", "--model", "synth:test-tiny", "--data", "/no/such/file.txt"), /\/no\/such\/file\.txt: no such file or directory/);
  });

  it("--json reports the error as the one JSON object on stdout", async () => {
    const run = await sieve("inspect", "--model", "/no/such/dir", "--json");
    expect(run.code).toBe(1);
    const out = onlyJson(run) as { error: { message: string; type: string } };
    expect(out.error.message).toMatch(/no such file or directory/);
    expect(out.error.type).toBe("model_error");
    const flag = onlyJson(await sieve("generate", "--model", "synth:test-tiny", "--top-k", "-1", "--json")) as { error: { type: string; message: string } };
    expect(flag.error.type).toBe("invalid_argument");
    expect(flag.error.message).toMatch(/--top-k/);
  });

  it("help succeeds", async () => {
    const run = await sieve("--help");
    expect(run.code).toBe(0);
    for (const command of ["generate", "eval", "inspect", "synth", "convert", "bench"]) expect(run.stdout).toContain(command);
  });
});

describe("sieve as a process (tsx apps/server/src/cli/main.ts, as `pnpm sieve` runs it)", () => {
  it("exits 1 with one line on stderr for a bad spec", async () => {
    const run = await sieveProcess("inspect", "--model", "/no/such/model.gguf");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toMatch(/^sieve: error: .*no such file or directory/);
  });

  it.runIf(haveAssets())("prints only one JSON object on stdout with --json", async () => {
    const run = await sieveProcess("generate", "--model", STORIES_BIN, "--prompt", "Once", "--max-tokens", "8", "--seed", "1", "--json");
    expect(run.code).toBe(0);
    expect(Object.keys(onlyJson(run))).toEqual(expect.arrayContaining(["text", "token_ids", "finish_reason"]));
  });
});
