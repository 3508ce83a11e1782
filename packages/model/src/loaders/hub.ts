/**
 * `hf:org/name[@revision][/file.gguf]`: downloads what a model needs from the Hugging Face hub
 * into the huggingface_hub cache (see hub-cache.ts) and returns the local snapshot.
 *
 * Environment (as huggingface_hub reads it): HF_HOME, HF_HUB_CACHE, HF_ENDPOINT (default
 * https://huggingface.co), HF_TOKEN (sent as "Authorization: Bearer" to the hub only),
 * HF_HUB_OFFLINE=1 (use the cache, make no request).
 *
 * A complete cached snapshot is used without any request. Completeness is read from the download
 * order: small files first, then the weights, so when every weight file is there, so is the rest.
 */
import { readFile } from "node:fs/promises";
import { envFlag, hubCacheDir, RepoCache, type Env } from "./hub-cache.js";
import { downloadBlob, isSha256 } from "./hub-download.js";
import { authHeaders, fetchFileMetadata, fetchRevisionInfo, HubError, type FileMetadata, type HubClient } from "./hub-http.js";
import { parseHubSpec, type HubSpec } from "./hub-spec.js";

export { HubError, HubIntegrityError } from "./hub-http.js";
export { isHubSpec, parseHubSpec, type HubSpec } from "./hub-spec.js";
export { hubCacheDir } from "./hub-cache.js";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** Files besides the weights that a safetensors checkpoint uses, when the repository has them. */
export const HUB_SIDE_FILES = [
  "config.json",
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
] as const;

const SAFETENSORS_INDEX = "model.safetensors.index.json";
const SAFETENSORS_SINGLE = "model.safetensors";

export interface HubProgressEvent {
  phase: "download";
  /** Bytes of this download on disk so far, over all files. */
  done: number;
  /** Bytes of all files this call downloads (grows once a sharded index has been read). */
  total: number;
  /** The file being transferred. */
  file: string;
}

export interface HubDownloadOptions {
  onProgress?: (event: HubProgressEvent) => void;
  /** Environment to read HF_* variables from (default process.env). */
  env?: Env;
  /** Ask the hub for the revision's current commit even when a complete snapshot is cached. */
  refresh?: boolean;
  /** Retries after the first attempt for 5xx/429/network failures (default 5). */
  maxRetries?: number;
  /** First backoff delay in ms, doubling per retry (default 1000). */
  retryDelayMs?: number;
}

export interface HubSnapshot {
  repo: string;
  revision: string;
  commit: string;
  /** snapshots/<commit> in the cache. */
  dir: string;
  /** What to load: `dir` for a safetensors checkpoint, the .gguf file when the spec names one. */
  path: string;
  /** Repository paths this call downloaded (empty when everything came from the cache). */
  downloaded: string[];
}

export async function downloadFromHub(spec: string | HubSpec, options: HubDownloadOptions = {}): Promise<HubSnapshot> {
  const parsed = typeof spec === "string" ? parseHubSpec(spec) : spec;
  const env = options.env ?? process.env;
  const cache = new RepoCache(hubCacheDir(env), parsed.repo);
  const snapshot = (commit: string, downloaded: string[]): HubSnapshot => ({
    repo: parsed.repo,
    revision: parsed.revision,
    commit,
    dir: cache.snapshotDir(commit),
    path: parsed.file ? cache.snapshotFile(commit, parsed.file) : cache.snapshotDir(commit),
    downloaded,
  });

  const cachedCommit = await cache.commitOf(parsed.revision);
  const missing = cachedCommit ? await missingFromSnapshot(cache, cachedCommit, parsed.file) : ["everything"];
  if (envFlag(env, "HF_HUB_OFFLINE")) {
    if (cachedCommit && missing.length === 0) return snapshot(cachedCommit, []);
    throw new HubError(
      `hf:${parsed.repo}@${parsed.revision}: HF_HUB_OFFLINE is set and the cache (${cache.root}) ` +
        (cachedCommit ? `lacks ${missing.join(", ")}` : `has no snapshot of revision "${parsed.revision}"`) +
        `. Download it once without HF_HUB_OFFLINE.`,
    );
  }
  if (cachedCommit && missing.length === 0 && !options.refresh) return snapshot(cachedCommit, []);

  const client: HubClient = {
    endpoint: (env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, ""),
    token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined,
    maxRetries: options.maxRetries ?? 5,
    retryDelayMs: options.retryDelayMs ?? 1000,
  };
  const info = await fetchRevisionInfo(client, parsed.repo, parsed.revision);
  await cache.writeRef(parsed.revision, info.sha);
  const fetcher = new SnapshotFetcher(client, cache, parsed.repo, info.sha, options.onProgress);

  if (parsed.file) {
    if (!info.files.includes(parsed.file)) {
      const ggufs = info.files.filter((f) => f.endsWith(".gguf"));
      throw new HubError(
        `hf:${parsed.repo}@${parsed.revision}: the repository has no file "${parsed.file}"` +
          (ggufs.length ? `; its GGUF files: ${ggufs.join(", ")}` : ""),
        404,
      );
    }
    await fetcher.fetchAll([parsed.file]);
    return snapshot(info.sha, fetcher.downloaded);
  }

  const sideFiles = HUB_SIDE_FILES.filter((f) => info.files.includes(f));
  if (!sideFiles.includes("config.json")) throw noCheckpointError(parsed, info.files, "config.json");
  let weights: string[];
  if (info.files.includes(SAFETENSORS_INDEX)) {
    // The index names the shards; other *.safetensors in the repo (consolidated.safetensors,
    // adapters) are not part of the checkpoint.
    await fetcher.fetchAll([SAFETENSORS_INDEX]);
    weights = await shardsOf(cache, info.sha);
  } else if (info.files.includes(SAFETENSORS_SINGLE)) {
    weights = [SAFETENSORS_SINGLE];
  } else {
    throw noCheckpointError(parsed, info.files, "model.safetensors or model.safetensors.index.json");
  }
  await fetcher.fetchAll([...sideFiles, ...weights]);
  return snapshot(info.sha, fetcher.downloaded);
}

function noCheckpointError(spec: HubSpec, files: string[], lacking: string): HubError {
  const ggufs = files.filter((f) => f.endsWith(".gguf"));
  const hint = ggufs.length
    ? ` It holds GGUF files; name one: ${ggufs.slice(0, 5).map((f) => `hf:${spec.repo}/${f}`).join(", ")}${ggufs.length > 5 ? ", ..." : ""}`
    : files.some((f) => f.endsWith(".bin") || f.endsWith(".pt"))
      ? " It seems to hold PyTorch pickles only; Sieve reads safetensors (convert with transformers' save_pretrained(safe_serialization=True))."
      : "";
  return new HubError(`hf:${spec.repo}@${spec.revision}: the repository has no ${lacking}.${hint}`);
}

/** Shard file names listed by the snapshot's safetensors index, in first-use order. */
async function shardsOf(cache: RepoCache, commit: string): Promise<string[]> {
  const path = cache.snapshotFile(commit, SAFETENSORS_INDEX);
  const index = JSON.parse(await readFile(path, "utf8")) as { weight_map?: Record<string, string> };
  if (!index.weight_map || typeof index.weight_map !== "object") throw new HubError(`${path}: no "weight_map" object`);
  const shards = [...new Set(Object.values(index.weight_map))];
  // The names become cache paths: refuse anything that could step out of the snapshot.
  const unsafe = shards.find((s) => typeof s !== "string" || s.startsWith("/") || s.split(/[\\/]/).some((p) => p === ".." || p === ""));
  if (unsafe !== undefined) throw new HubError(`${path}: weight_map names an unsafe shard path ${JSON.stringify(unsafe)}`);
  return shards;
}

/** What the cached snapshot lacks for this spec (empty when it can be used as is). */
async function missingFromSnapshot(cache: RepoCache, commit: string, file: string | undefined): Promise<string[]> {
  const has = (f: string) => cache.hasSnapshotFile(commit, f);
  if (file) return (await has(file)) ? [] : [file];
  if (!(await has("config.json"))) return ["config.json"];
  if (await has(SAFETENSORS_INDEX)) {
    const shards = await shardsOf(cache, commit).catch(() => [SAFETENSORS_INDEX]);
    const absent: string[] = [];
    for (const shard of shards) if (!(await has(shard))) absent.push(shard);
    return absent;
  }
  return (await has(SAFETENSORS_SINGLE)) ? [] : [SAFETENSORS_SINGLE];
}

/** Downloads files of one commit into the cache, with one progress total across them. */
class SnapshotFetcher {
  readonly downloaded: string[] = [];
  private done = 0;
  private total = 0;

  constructor(
    private readonly client: HubClient,
    private readonly cache: RepoCache,
    private readonly repo: string,
    private readonly commit: string,
    private readonly onProgress: HubDownloadOptions["onProgress"],
  ) {}

  async fetchAll(files: string[]): Promise<void> {
    const todo: Array<{ file: string; meta: FileMetadata }> = [];
    for (const file of files) {
      if (await this.cache.hasSnapshotFile(this.commit, file)) continue;
      const meta = await fetchFileMetadata(this.client, { repo: this.repo, revision: this.commit, file });
      todo.push({ file, meta });
      this.total += meta.size ?? 0;
    }
    for (const { file, meta } of todo) await this.fetchOne(file, meta);
  }

  private async fetchOne(file: string, meta: FileMetadata): Promise<void> {
    const blobSize = await this.cache.blobSize(meta.etag);
    // The same blob may already be cached under another commit: link it, download nothing.
    if (blobSize === undefined || (meta.size !== undefined && blobSize !== meta.size)) {
      const base = this.done;
      await downloadBlob(this.client, {
        url: meta.downloadUrl,
        headers: authHeaders(this.client, meta.downloadUrl),
        blobPath: this.cache.blobPath(meta.etag),
        expectedSize: meta.size,
        sha256: isSha256(meta.etag) ? meta.etag : undefined,
        ctx: { repo: this.repo, revision: this.commit, file },
        onPosition: (position) => this.onProgress?.({ phase: "download", done: base + position, total: this.total, file }),
      });
      this.downloaded.push(file);
    }
    this.done += meta.size ?? 0;
    this.onProgress?.({ phase: "download", done: this.done, total: this.total, file });
    await this.cache.linkSnapshotFile(this.commit, file, meta.etag);
  }
}
