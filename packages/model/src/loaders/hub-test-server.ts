/**
 * Test helper (not product code): a local stand-in for the Hugging Face hub on 127.0.0.1 that
 * serves repositories from a temp dir with the hub's URL layout and headers, and can inject the
 * failures a real download meets (cut transfers, 5xx, corrupted bytes, gated repositories).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface FakeRepoOptions {
  /** Requests need "Authorization: Bearer <token>" (401 without one, 403 with another). */
  gatedToken?: string;
  /** Extra revision names (branches, tags) that point at the repo's one commit. */
  tags?: string[];
}

interface FakeRepo {
  commit: string;
  files: Map<string, string>; // repo path -> path on disk
  options: FakeRepoOptions;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** LFS-tracked in the hub's default .gitattributes: weights. */
const isLfs = (path: string) => /\.(safetensors|gguf|bin)$/.test(path);

function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  /** Cut the connection after this many body bytes, the next time `file` is served (once). */
  disconnect: { file: string; afterBytes: number } | undefined;
  /** Serve these repo paths with one byte flipped (same size, wrong hash). */
  readonly corrupt = new Set<string>();
  /** Answer this many requests for a repo path with 503 before serving it. */
  readonly failures = new Map<string, number>();
  private readonly repos = new Map<string, FakeRepo>();
  private readonly bySha256 = new Map<string, string>();
  private readonly root = mkdtempSync(join(tmpdir(), "sieve-fakehub-"));

  private constructor(
    private readonly servers: Server[],
    readonly url: string,
    /** The "CDN" LFS downloads redirect to: another port, so another origin, as on the real hub. */
    readonly cdnUrl: string,
  ) {}

  static async start(): Promise<FakeHub> {
    const servers = [createServer(), createServer()];
    const urls: string[] = [];
    for (const server of servers) {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    const hub = new FakeHub(servers, urls[0]!, urls[1]!);
    for (const server of servers) server.on("request", (req, res) => hub.handle(req, res));
    return hub;
  }

  /** Adds (or replaces) a repository; returns its commit hash. */
  addRepo(repo: string, files: Record<string, Uint8Array | string>, options: FakeRepoOptions = {}): string {
    const commit = createHash("sha1").update(repo).update(JSON.stringify(Object.keys(files))).digest("hex");
    const entry: FakeRepo = { commit, files: new Map(), options };
    for (const [path, contents] of Object.entries(files)) {
      const disk = join(this.root, repo, path);
      mkdirSync(dirname(disk), { recursive: true });
      const bytes = typeof contents === "string" ? new TextEncoder().encode(contents) : contents;
      writeFileSync(disk, bytes);
      entry.files.set(path, disk);
      if (isLfs(path)) this.bySha256.set(createHash("sha256").update(bytes).digest("hex"), disk);
    }
    this.repos.set(repo, entry);
    return commit;
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? "/", this.url).pathname);
    this.requests.push({ method: req.method ?? "GET", path, range: req.headers.range, authorization: req.headers.authorization });
    const fail = (status: number, code?: string) => {
      res.writeHead(status, code ? { "x-error-code": code } : {}).end(`error ${status}`);
    };

    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) {
      const disk = this.bySha256.get(cdn[1]!);
      if (!disk) return fail(404);
      return this.sendBytes(req, res, disk, this.repoPathOf(disk), {});
    }
    const repoId = api?.[1] ?? resolve?.[1];
    const repo = repoId ? this.repos.get(repoId) : undefined;
    if (!repoId || !repo) return fail(404, "RepoNotFound");
    const token = repo.options.gatedToken;
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      return fail(req.headers.authorization ? 403 : 401, "GatedRepo");
    }
    const revision = api?.[2] ?? resolve?.[2] ?? "";
    if (revision !== "main" && revision !== repo.commit && !(repo.options.tags ?? []).includes(revision)) {
      return fail(404, "RevisionNotFound");
    }

    if (api) {
      const body = JSON.stringify({ id: repoId, sha: repo.commit, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
      return;
    }
    const file = resolve![3]!;
    const disk = repo.files.get(file);
    if (!disk) return fail(404, "EntryNotFound");
    const pending = this.failures.get(file) ?? 0;
    if (pending > 0) {
      this.failures.set(file, pending - 1);
      return fail(503);
    }
    const bytes = readFileSync(disk);
    if (isLfs(file)) {
      // As the hub does for LFS files: a redirect to the CDN that carries the metadata.
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      res.writeHead(302, {
        location: `${this.cdnUrl}/cdn/${sha256}`,
        "x-repo-commit": repo.commit,
        "x-linked-etag": `"${sha256}"`,
        "x-linked-size": String(bytes.length),
        etag: `"${gitBlobSha1(bytes)}"`,
      });
      res.end();
      return;
    }
    this.sendBytes(req, res, disk, file, { "x-repo-commit": repo.commit, etag: `"${gitBlobSha1(bytes)}"` });
  }

  private repoPathOf(disk: string): string {
    for (const repo of this.repos.values()) for (const [path, d] of repo.files) if (d === disk) return path;
    return disk;
  }

  private sendBytes(req: IncomingMessage, res: ServerResponse, disk: string, file: string, headers: Record<string, string>): void {
    let bytes: Uint8Array = readFileSync(disk);
    if (this.corrupt.has(file)) {
      bytes = Uint8Array.from(bytes);
      bytes[bytes.length >> 1]! ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    let start = 0;
    if (range) {
      start = Number(range[1]);
      if (start >= bytes.length) {
        res.writeHead(416, { "content-range": `bytes */${bytes.length}` }).end();
        return;
      }
      headers["content-range"] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    }
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, { ...headers, "content-length": String(body.length), "accept-ranges": "bytes" });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    if (this.disconnect?.file === file) {
      const cut = this.disconnect.afterBytes;
      this.disconnect = undefined;
      res.write(body.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  }
}
