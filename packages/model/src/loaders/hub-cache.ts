/**
 * The huggingface_hub cache layout, so that Python tools and Sieve share downloads:
 *
 *   <cache>/models--org--name/blobs/<etag>                   file contents, named by their etag
 *   <cache>/models--org--name/blobs/<etag>.incomplete        a partial download (resumed later)
 *   <cache>/models--org--name/snapshots/<commit>/<path>      relative symlinks into blobs/
 *   <cache>/models--org--name/refs/<revision>                the commit a branch or tag points to
 *
 * <cache> is $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub — the same search order as huggingface_hub.
 */
import { copyFile, mkdir, readFile, rename, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

export function hubCacheDir(env: Env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE; // the older name, still honoured by huggingface_hub
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  const xdg = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(xdg, "huggingface", "hub");
}

/** True for "1", "true", "yes", "on" (any case), as huggingface_hub reads boolean variables. */
export function envFlag(env: Env, name: string): boolean {
  return ["1", "true", "yes", "on"].includes((env[name] ?? "").trim().toLowerCase());
}

const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/** One repository's folder in the cache. */
export class RepoCache {
  readonly root: string;

  constructor(cacheDir: string, readonly repo: string) {
    this.root = join(cacheDir, `models--${repo.split("/").join("--")}`);
  }

  blobPath(etag: string): string {
    return join(this.root, "blobs", etag);
  }

  snapshotDir(commit: string): string {
    return join(this.root, "snapshots", commit);
  }

  snapshotFile(commit: string, file: string): string {
    return join(this.snapshotDir(commit), ...file.split("/"));
  }

  private refPath(revision: string): string {
    return join(this.root, "refs", ...revision.split("/"));
  }

  /** The commit a revision names: itself for a commit hash, else what refs/<revision> holds. */
  async commitOf(revision: string): Promise<string | undefined> {
    if (isCommitHash(revision)) return revision;
    try {
      const commit = (await readFile(this.refPath(revision), "utf8")).trim();
      return isCommitHash(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = this.refPath(revision);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, commit);
  }

  /** True when the snapshot entry exists and resolves to a file (a dangling link is absent). */
  async hasSnapshotFile(commit: string, file: string): Promise<boolean> {
    try {
      return (await stat(this.snapshotFile(commit, file))).isFile();
    } catch {
      return false;
    }
  }

  async blobSize(etag: string): Promise<number | undefined> {
    try {
      return (await stat(this.blobPath(etag))).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Points snapshots/<commit>/<file> at blobs/<etag> with a relative symlink, as huggingface_hub
   * does; where symlinks are not allowed, the blob is copied instead.
   */
  async linkSnapshotFile(commit: string, file: string, etag: string): Promise<void> {
    const link = this.snapshotFile(commit, file);
    const blob = this.blobPath(etag);
    await mkdir(dirname(link), { recursive: true });
    await unlink(link).catch(() => undefined);
    try {
      await symlink(relative(dirname(link), blob), link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
      const temp = `${link}.copy`;
      await copyFile(blob, temp);
      await rename(temp, link);
    }
  }
}
