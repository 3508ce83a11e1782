/**
 * Downloads one blob into the cache: into `<blob>.incomplete` first, resumed with a Range request
 * after a cut transfer (in this process or an earlier one), checked for size and — when its etag
 * is a sha256, as for LFS files — for its hash, and only then renamed to its final name. A file
 * that fails the check is deleted, never kept.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, stat, truncate, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { errorFromResponse, HubError, HubIntegrityError, withRetries, type HubClient, type RequestContext } from "./hub-http.js";

export interface BlobDownload {
  url: string;
  /** Extra request headers (authorization for the hub's own origin). */
  headers: Record<string, string>;
  blobPath: string;
  expectedSize: number | undefined;
  /** Hex sha256 the contents must hash to (LFS files), or undefined to skip the check. */
  sha256: string | undefined;
  ctx: Required<RequestContext>;
  /** Bytes of the file on disk so far (moves back to 0 when a server ignores a Range request). */
  onPosition?: (position: number) => void;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256(etag: string): boolean {
  return SHA256_HEX.test(etag);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** A sha256 that follows what is appended to the partial file, across retries. */
class PartialFileHash {
  private hash: Hash = createHash("sha256");
  private hashed = 0;

  constructor(private readonly path: string) {}

  /** Makes the hash cover exactly the file's first `length` bytes (re-reading it if needed). */
  async syncTo(length: number): Promise<void> {
    if (this.hashed === length) return;
    this.hash = createHash("sha256");
    this.hashed = 0;
    if (length === 0) return;
    for await (const chunk of createReadStream(this.path, { start: 0, end: length - 1 })) {
      this.update(chunk as Buffer);
    }
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.hashed += chunk.length;
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

export async function downloadBlob(client: HubClient, d: BlobDownload): Promise<void> {
  const temp = `${d.blobPath}.incomplete`;
  const leftOver = ((await sizeOf(temp)) ?? 0) > 0;
  try {
    await downloadOnce(client, d, temp);
  } catch (error) {
    // A bad hash may come from bytes an earlier process left behind: those are gone now (the
    // check deletes the file), so one clean download settles whether the server is at fault.
    if (!(error instanceof HubIntegrityError) || !leftOver) throw error;
    await downloadOnce(client, d, temp);
  }
}

async function downloadOnce(client: HubClient, d: BlobDownload, temp: string): Promise<void> {
  const label = `${d.ctx.repo}@${d.ctx.revision}: ${d.ctx.file}`;
  await mkdir(dirname(d.blobPath), { recursive: true });
  const hash = d.sha256 ? new PartialFileHash(temp) : undefined;
  let progressed = false;

  await withRetries(
    client,
    `${label}: download`,
    async () => {
      progressed = false;
      let start = (await sizeOf(temp)) ?? 0;
      if (d.expectedSize !== undefined && start > d.expectedSize) {
        await truncate(temp, 0);
        start = 0;
      }
      if (d.expectedSize === undefined || start < d.expectedSize) {
        await transfer(d, temp, start, hash, client, () => (progressed = true));
      }
      const size = (await sizeOf(temp)) ?? 0;
      if (d.expectedSize !== undefined && size !== d.expectedSize) {
        // Short: the connection ended cleanly but early; resume. Long: start over.
        if (size > d.expectedSize) await unlink(temp).catch(() => undefined);
        throw new HubError(`${label}: received ${size} bytes, expected ${d.expectedSize}`, undefined, true);
      }
    },
    () => progressed,
  );

  if (hash && d.sha256) {
    await hash.syncTo((await sizeOf(temp)) ?? 0);
    const actual = hash.digest();
    if (actual !== d.sha256) {
      await unlink(temp).catch(() => undefined);
      throw new HubIntegrityError(
        `${label}: the downloaded file's sha256 is ${actual}, but the hub says ${d.sha256}; the file was deleted. ` +
          `Retry the download; if it persists, the server or a proxy in between is corrupting the transfer.`,
      );
    }
  }
  await rename(temp, d.blobPath);
}

/** One GET from `start` to the end, appended to the partial file. */
async function transfer(
  d: BlobDownload,
  temp: string,
  start: number,
  hash: PartialFileHash | undefined,
  client: HubClient,
  markProgress: () => void,
): Promise<void> {
  const headers: Record<string, string> = { ...d.headers, "accept-encoding": "identity" };
  if (start > 0) headers.range = `bytes=${start}-`;
  const res = await fetch(d.url, { headers, redirect: "follow" });
  if (res.status === 416 && start > 0) {
    // The partial file is not a prefix the server can continue: start over.
    await res.body?.cancel();
    await truncate(temp, 0);
    throw new HubError(`${d.ctx.file}: the server refused to resume at byte ${start}`, 416, true);
  }
  if (!res.ok || !res.body) throw await errorFromResponse(res, d.url, d.ctx, client);

  let position = start;
  if (res.status !== 206) {
    position = 0; // the server sent the whole file: it ignored (or does not support) Range
  } else {
    const range = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
    if (!range || Number(range[1]) !== start) {
      await res.body.cancel();
      await truncate(temp, 0);
      throw new HubError(`${d.ctx.file}: the server resumed at the wrong offset (${res.headers.get("content-range")})`, 206, true);
    }
  }
  const handle = await open(temp, position === 0 ? "w" : "a");
  try {
    await hash?.syncTo(position);
    d.onPosition?.(position);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await handle.write(chunk);
      hash?.update(chunk);
      position += chunk.length;
      markProgress();
      d.onPosition?.(position);
    }
  } finally {
    await handle.close();
  }
}
