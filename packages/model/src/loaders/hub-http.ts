/**
 * HTTP against the Hugging Face hub (or any server with its URL layout, HF_ENDPOINT): errors that
 * say what to do, retries with exponential backoff for transient failures, and the metadata the
 * hub sends in headers (X-Repo-Commit, ETag / X-Linked-Etag, X-Linked-Size).
 */

export interface HubClient {
  /** e.g. "https://huggingface.co", no trailing slash. */
  endpoint: string;
  token: string | undefined;
  /** Attempts after the first for a transient failure (5xx, 429, network). */
  maxRetries: number;
  /** First backoff delay; doubles per attempt, capped at 30 s. */
  retryDelayMs: number;
}

/** Anything that went wrong talking to the hub. `retryable` marks transient failures. */
export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "HubError";
  }
}

/** A downloaded file whose size or sha256 is not what the hub promised. */
export class HubIntegrityError extends HubError {
  constructor(message: string) {
    super(message);
    this.name = "HubIntegrityError";
  }
}

export interface RequestContext {
  repo: string;
  revision: string;
  file?: string;
}

function describe(ctx: RequestContext): string {
  return ctx.file ? `${ctx.repo}@${ctx.revision}: ${ctx.file}` : `${ctx.repo}@${ctx.revision}`;
}

/** The error for a non-success response; reads (and so releases) the body. */
export async function errorFromResponse(res: Response, url: string, ctx: RequestContext, client: HubClient): Promise<HubError> {
  const body = await res.text().catch(() => "");
  const code = res.headers.get("x-error-code") ?? "";
  const serverMessage = res.headers.get("x-error-message") ?? body.slice(0, 200);
  const where = `${describe(ctx)} (HTTP ${res.status} from ${url})`;
  const tokenHint = client.token ? "the token in HF_TOKEN was refused or has no access to it" : "HF_TOKEN is not set";
  const spec = `hf:${ctx.repo}@${ctx.revision}${ctx.file ? `/${ctx.file}` : ""}`;
  // Without access the hub answers 401 "RepoNotFound" for private repositories and missing ones alike.
  if (code === "RepoNotFound") {
    return new HubError(`${where}: repository "${ctx.repo}" not found, or private (${tokenHint}). Check the spelling of ${spec}.`, res.status);
  }
  if (code === "GatedRepo" || res.status === 401 || res.status === 403) {
    return new HubError(
      `${where}: access denied. The model may be gated or private (${tokenHint}). ` +
        `Accept its terms on ${client.endpoint}/${ctx.repo} and set HF_TOKEN to an access token of that account.`,
      res.status,
    );
  }
  if (res.status === 404) {
    const what =
      code === "RevisionNotFound" ? `revision "${ctx.revision}" not found`
      : code === "EntryNotFound" ? `file "${ctx.file}" not found in the repository`
      : ctx.file ? `file "${ctx.file}" not found` : `repository "${ctx.repo}" or revision "${ctx.revision}" not found`;
    return new HubError(`${where}: ${what}. Check the spelling of ${spec}.`, 404);
  }
  const transient = res.status >= 500 || res.status === 429;
  return new HubError(`${where}: ${serverMessage || res.statusText}`, res.status, transient);
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH",
  "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED",
]);

function isTransient(error: unknown): boolean {
  if (error instanceof HubError) return error.retryable;
  // fetch rejects with TypeError ("fetch failed", "terminated") for refused, reset or cut
  // connections; the body stream errors the same way when a transfer is cut mid-way. Local
  // failures (a full disk, a permission) are not retried.
  if (error instanceof TypeError) return true;
  return NETWORK_ERROR_CODES.has((error as { code?: string } | null)?.code ?? "");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, retrying transient failures with exponential backoff. An
 * attempt that reports progress (returns normally from `madeProgress`) resets the count, so a
 * long download over a flaky link finishes as long as each try moves forward.
 */
export async function withRetries<T>(
  client: HubClient,
  what: string,
  attempt: () => Promise<T>,
  madeProgress: () => boolean = () => false,
): Promise<T> {
  let failures = 0;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error)) throw error;
      failures = madeProgress() ? 1 : failures + 1;
      if (failures > client.maxRetries) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new HubError(`${what}: giving up after ${client.maxRetries + 1} attempts: ${reason}`, (error as HubError).status);
      }
      await sleep(Math.min(30_000, client.retryDelayMs * 2 ** (failures - 1)));
    }
  }
}

/** Authorization only for the hub itself: never forward the token to a CDN it redirects to. */
export function authHeaders(client: HubClient, url: string): Record<string, string> {
  if (!client.token) return {};
  return new URL(url).origin === new URL(client.endpoint).origin ? { authorization: `Bearer ${client.token}` } : {};
}

export function resolveUrl(client: HubClient, repo: string, revision: string, file: string): string {
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${client.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path}`;
}

export interface RepoRevisionInfo {
  /** The commit the revision resolves to. */
  sha: string;
  /** Every file path in the repository at that commit. */
  files: string[];
}

/** GET {endpoint}/api/models/{repo}/revision/{rev}: the commit and the file list. */
export async function fetchRevisionInfo(client: HubClient, repo: string, revision: string): Promise<RepoRevisionInfo> {
  const url = `${client.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const ctx = { repo, revision };
  return withRetries(client, `${repo}@${revision}: listing files`, async () => {
    const res = await fetch(url, { headers: authHeaders(client, url) });
    if (!res.ok) throw await errorFromResponse(res, url, ctx, client);
    const json = (await res.json()) as { sha?: unknown; siblings?: Array<{ rfilename?: unknown }> };
    if (typeof json.sha !== "string" || !Array.isArray(json.siblings)) {
      throw new HubError(`${describe(ctx)}: ${url} answered without "sha" and "siblings"; is HF_ENDPOINT (${client.endpoint}) a Hugging Face hub?`);
    }
    const files = json.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === "string");
    return { sha: json.sha, files };
  });
}

export interface FileMetadata {
  /** The commit the file was resolved at (X-Repo-Commit), when sent. */
  commit: string | undefined;
  /** sha256 for LFS files (X-Linked-Etag), the git blob id for others (ETag); names the blob. */
  etag: string;
  size: number | undefined;
  /** Where the bytes are: the resolve URL, or the CDN it redirects to. */
  downloadUrl: string;
}

/** `"abc"` and `W/"abc"` -> `abc`. */
export function normalizeEtag(raw: string | null): string | undefined {
  if (!raw) return undefined;
  const value = raw.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return value || undefined;
}

function sizeHeader(raw: string | null): number | undefined {
  const n = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * HEAD on the resolve URL. The hub answers LFS files with a redirect to a CDN that carries the
 * metadata (X-Linked-Etag, X-Linked-Size), so redirects are followed by hand: a redirect with
 * metadata ends the walk (its Location is where to download from); one without (a renamed
 * repository) is followed.
 */
export async function fetchFileMetadata(client: HubClient, ctx: Required<RequestContext>): Promise<FileMetadata> {
  return withRetries(client, `${describe(ctx)}: fetching metadata`, async () => {
    let url = resolveUrl(client, ctx.repo, ctx.revision, ctx.file);
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { method: "HEAD", headers: { ...authHeaders(client, url), "accept-encoding": "identity" }, redirect: "manual" });
      const isRedirect = res.status >= 300 && res.status < 400;
      if (!res.ok && !isRedirect) throw await errorFromResponse(res, url, ctx, client);
      const linkedEtag = normalizeEtag(res.headers.get("x-linked-etag"));
      const commit = res.headers.get("x-repo-commit") ?? undefined;
      const location = res.headers.get("location");
      if (isRedirect && location && !linkedEtag && !commit) {
        url = new URL(location, url).toString();
        continue;
      }
      const etag = linkedEtag ?? normalizeEtag(res.headers.get("etag"));
      if (!etag) throw new HubError(`${describe(ctx)}: ${url} sent no ETag; is HF_ENDPOINT (${client.endpoint}) a Hugging Face hub?`);
      const size = sizeHeader(res.headers.get("x-linked-size")) ?? (isRedirect ? undefined : sizeHeader(res.headers.get("content-length")));
      const downloadUrl = isRedirect && location ? new URL(location, url).toString() : url;
      return { commit, etag, size, downloadUrl };
    }
    throw new HubError(`${describe(ctx)}: too many redirects from ${resolveUrl(client, ctx.repo, ctx.revision, ctx.file)}`);
  });
}
