import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hubCacheDir } from "./hub-cache.js";
import { parseHubSpec } from "./hub-spec.js";
import { FakeHub } from "./hub-test-server.js";
import { downloadFromHub, HubError, HubIntegrityError, type HubDownloadOptions, type HubProgressEvent } from "./hub.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("parseHubSpec", () => {
  it("reads repo, revision and file", () => {
    expect(parseHubSpec("hf:org/name")).toEqual({ repo: "org/name", revision: "main" });
    expect(parseHubSpec("hf:org/name@v1.0")).toEqual({ repo: "org/name", revision: "v1.0" });
    expect(parseHubSpec("hf:org/name/sub/m.Q4_0.gguf")).toEqual({ repo: "org/name", revision: "main", file: "sub/m.Q4_0.gguf" });
    expect(parseHubSpec("hf:org/name@dev/m.gguf")).toEqual({ repo: "org/name", revision: "dev", file: "m.gguf" });
    expect(parseHubSpec("hf:org/name/m.gguf@dev")).toEqual({ repo: "org/name", revision: "dev", file: "m.gguf" });
  });
  it("refuses malformed specs with the spec named", () => {
    expect(() => parseHubSpec("hf:justname")).toThrow(/hf:justname/);
    expect(() => parseHubSpec("hf:org/../x")).toThrow(/invalid/);
    expect(() => parseHubSpec("hf:org/name@")).toThrow(/revision/);
    expect(() => parseHubSpec("hf:org/name/../../etc")).toThrow(/invalid/);
  });
});

describe("hubCacheDir", () => {
  it("follows huggingface_hub's precedence", () => {
    expect(hubCacheDir({ HF_HUB_CACHE: "/a", HF_HOME: "/b" })).toBe("/a");
    expect(hubCacheDir({ HF_HOME: "/b" })).toBe(join("/b", "hub"));
    expect(hubCacheDir({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "huggingface", "hub"));
  });
});

describe("downloadFromHub against a local hub", () => {
  let hub: FakeHub;
  let home: string;
  const weights = pseudoRandomBytes(300_000, 7);
  const shard1 = pseudoRandomBytes(70_000, 11);
  const shard2 = pseudoRandomBytes(50_000, 13);
  const gguf = pseudoRandomBytes(40_000, 17);
  const config = JSON.stringify({ architectures: ["LlamaForCausalLM"] });
  let commit: string;

  beforeAll(async () => {
    hub = await FakeHub.start();
  });
  afterAll(async () => {
    await hub.close();
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "sieve-hfhome-"));
    hub.requests.length = 0;
    commit = hub.addRepo(
      "org/tiny",
      {
        "config.json": config,
        "generation_config.json": "{}",
        "tokenizer.json": "{}",
        "model.safetensors": weights,
        "README.md": "not needed",
        "pytorch_model.bin": new Uint8Array(10), // never downloaded: not a file the model needs
        "q4/tiny.Q4_0.gguf": gguf,
      },
      { tags: ["v1"] },
    );
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  const opts = (extra: Partial<HubDownloadOptions> = {}, env: Record<string, string> = {}): HubDownloadOptions => ({
    env: { HF_HOME: home, HF_ENDPOINT: hub.url, ...env },
    retryDelayMs: 1,
    ...extra,
  });
  const repoRoot = () => join(home, "hub", "models--org--tiny");

  it("downloads the model's files into the huggingface_hub cache layout", async () => {
    const events: HubProgressEvent[] = [];
    const snap = await downloadFromHub("hf:org/tiny", opts({ onProgress: (e) => events.push(e) }));
    expect(snap.commit).toBe(commit);
    expect(snap.path).toBe(join(repoRoot(), "snapshots", commit));
    expect(readFileSync(join(repoRoot(), "refs", "main"), "utf8")).toBe(commit);
    expect(readdirSync(snap.dir).sort()).toEqual(["config.json", "generation_config.json", "model.safetensors", "tokenizer.json"]);
    // LFS files are stored under their sha256, and snapshot entries are relative symlinks.
    const link = join(snap.dir, "model.safetensors");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join("..", "..", "blobs", sha256(weights)));
    expect(readFileSync(link).equals(Buffer.from(weights))).toBe(true);
    expect(readFileSync(join(snap.dir, "config.json"), "utf8")).toBe(config);
    expect(readdirSync(join(repoRoot(), "blobs")).some((f) => f.endsWith(".incomplete"))).toBe(false);
    expect(hub.requests.some((r) => r.path.endsWith("README.md") || r.path.endsWith(".bin"))).toBe(false);
    const last = events[events.length - 1]!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBeGreaterThanOrEqual(weights.length);

    // A second call is answered from the cache without a single request.
    hub.requests.length = 0;
    const again = await downloadFromHub("hf:org/tiny", opts());
    expect(again.path).toBe(snap.path);
    expect(again.downloaded).toEqual([]);
    expect(hub.requests).toEqual([]);
  });

  it("downloads only the named GGUF file, at a tag, and honours HF_HUB_CACHE", async () => {
    const cacheDir = join(home, "elsewhere");
    const snap = await downloadFromHub("hf:org/tiny@v1/q4/tiny.Q4_0.gguf", opts({}, { HF_HUB_CACHE: cacheDir }));
    expect(snap.path).toBe(join(cacheDir, "models--org--tiny", "snapshots", commit, "q4", "tiny.Q4_0.gguf"));
    expect(readlinkSync(snap.path)).toBe(join("..", "..", "..", "blobs", sha256(gguf)));
    expect(readFileSync(join(cacheDir, "models--org--tiny", "refs", "v1"), "utf8")).toBe(commit);
    expect(snap.downloaded).toEqual(["q4/tiny.Q4_0.gguf"]);
    await expect(downloadFromHub("hf:org/tiny/missing.gguf", opts())).rejects.toThrow(/no file "missing.gguf".*tiny\.Q4_0\.gguf/);
  });

  it("resumes a transfer cut mid-way with a Range request", async () => {
    hub.disconnect = { file: "model.safetensors", afterBytes: 100_000 };
    const snap = await downloadFromHub("hf:org/tiny", opts());
    expect(readFileSync(join(snap.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
    const cdnGets = hub.requests.filter((r) => r.path.startsWith("/cdn/") && r.method === "GET");
    expect(cdnGets.length).toBe(2);
    expect(cdnGets[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(cdnGets[1]!.range!)![0])).toBeGreaterThan(0);
  });

  it("resumes a partial file left by an earlier process", async () => {
    const blobs = join(repoRoot(), "blobs");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(weights)}.incomplete`), weights.subarray(0, 123_456));
    const snap = await downloadFromHub("hf:org/tiny", opts());
    expect(readFileSync(join(snap.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
    expect(hub.requests.find((r) => r.path.startsWith("/cdn/"))?.range).toBe("bytes=123456-");
  });

  it("starts over when bytes left by an earlier process turn out to be corrupt", async () => {
    const blobs = join(repoRoot(), "blobs");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(weights)}.incomplete`), pseudoRandomBytes(1000, 99));
    const snap = await downloadFromHub("hf:org/tiny", opts());
    expect(readFileSync(join(snap.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
    expect(hub.requests.filter((r) => r.path.startsWith("/cdn/")).map((r) => r.range)).toEqual(["bytes=1000-", undefined]);
  });

  it("detects a hash mismatch and keeps no bad file", async () => {
    hub.corrupt.add("model.safetensors");
    try {
      await expect(downloadFromHub("hf:org/tiny", opts())).rejects.toBeInstanceOf(HubIntegrityError);
      const blobs = readdirSync(join(repoRoot(), "blobs"));
      expect(blobs.some((f) => f.startsWith(sha256(weights)))).toBe(false);
      expect(existsSync(join(repoRoot(), "snapshots", commit, "model.safetensors"))).toBe(false);
    } finally {
      hub.corrupt.clear();
    }
    // The next attempt (server fixed) completes.
    const snap = await downloadFromHub("hf:org/tiny", opts());
    expect(readFileSync(join(snap.dir, "model.safetensors")).equals(Buffer.from(weights))).toBe(true);
  });

  it("retries 5xx answers with backoff", async () => {
    hub.failures.set("config.json", 2);
    const snap = await downloadFromHub("hf:org/tiny", opts());
    expect(existsSync(join(snap.dir, "config.json"))).toBe(true);
    expect(hub.failures.get("config.json")).toBe(0);
    hub.failures.set("tokenizer.json", 10);
    const fresh = mkdtempSync(join(tmpdir(), "sieve-hfhome-"));
    try {
      await expect(downloadFromHub("hf:org/tiny", opts({ maxRetries: 2 }, { HF_HOME: fresh }))).rejects.toThrow(/giving up after 3 attempts/);
    } finally {
      hub.failures.delete("tokenizer.json");
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("downloads sharded checkpoints through their index", async () => {
    const index = { metadata: {}, weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" } };
    const shardedCommit = hub.addRepo("org/sharded", {
      "config.json": config,
      "model.safetensors.index.json": JSON.stringify(index),
      "model-00001-of-00002.safetensors": shard1,
      "model-00002-of-00002.safetensors": shard2,
      "consolidated.safetensors": new Uint8Array(5), // not in the index: not downloaded
    });
    const snap = await downloadFromHub("hf:org/sharded", opts());
    expect(snap.commit).toBe(shardedCommit);
    expect(readdirSync(snap.dir).sort()).toEqual([
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
    ]);
    hub.requests.length = 0;
    await downloadFromHub("hf:org/sharded", opts());
    expect(hub.requests).toEqual([]);
  });

  it("explains gated repositories (401/403) and sends HF_TOKEN", async () => {
    hub.addRepo("org/gated", { "config.json": config, "model.safetensors": weights }, { gatedToken: "secret" });
    await expect(downloadFromHub("hf:org/gated", opts())).rejects.toThrow(/HTTP 401.*gated.*HF_TOKEN is not set/s);
    await expect(downloadFromHub("hf:org/gated", opts({}, { HF_TOKEN: "wrong" }))).rejects.toThrow(/HTTP 403.*HF_TOKEN was refused/s);
    const snap = await downloadFromHub("hf:org/gated", opts({}, { HF_TOKEN: "secret" }));
    expect(existsSync(join(snap.dir, "model.safetensors"))).toBe(true);
    const hubRequests = hub.requests.filter((r) => r.path.includes("org/gated") && r.authorization === "Bearer secret");
    expect(hubRequests.length).toBeGreaterThan(0);
    // The token stays with the hub: the CDN it redirects to never sees it.
    expect(hub.requests.filter((r) => r.path.startsWith("/cdn/")).every((r) => r.authorization === undefined)).toBe(true);
  });

  it("reports unknown repositories and revisions as 404", async () => {
    const error = await downloadFromHub("hf:org/nope", opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).status).toBe(404);
    expect((error as Error).message).toMatch(/repository "org\/nope" not found/);
    await expect(downloadFromHub("hf:org/tiny@nobranch", opts())).rejects.toThrow(/revision "nobranch" not found/);
  });

  it("works offline from the cache, and fails clearly when the cache lacks the model", async () => {
    await downloadFromHub("hf:org/tiny", opts());
    hub.requests.length = 0;
    const snap = await downloadFromHub("hf:org/tiny", opts({ refresh: true }, { HF_HUB_OFFLINE: "1" }));
    expect(existsSync(join(snap.dir, "model.safetensors"))).toBe(true);
    expect(hub.requests).toEqual([]);
    await expect(downloadFromHub("hf:org/other", opts({}, { HF_HUB_OFFLINE: "1" }))).rejects.toThrow(/HF_HUB_OFFLINE.*no snapshot/);
  });

  it("names the GGUF files when a repository has no safetensors checkpoint", async () => {
    hub.addRepo("org/ggufonly", { "README.md": "x", "m.Q8_0.gguf": gguf });
    await expect(downloadFromHub("hf:org/ggufonly", opts())).rejects.toThrow(/hf:org\/ggufonly\/m\.Q8_0\.gguf/);
  });
});
