/**
 * Parses `hf:` model specs:
 *   hf:org/name                 the model's safetensors checkpoint at revision "main"
 *   hf:org/name@rev             at a branch, tag or commit
 *   hf:org/name/file.gguf       one GGUF file of the repo (subfolders allowed: hf:org/name/q4/file.gguf)
 *   hf:org/name@rev/file.gguf   or hf:org/name/file.gguf@rev
 */

export interface HubSpec {
  /** "org/name" */
  repo: string;
  revision: string;
  /** Path of one file inside the repo (a .gguf), when the spec names one. */
  file?: string;
}

export const HUB_SPEC_PREFIX = "hf:";

export function isHubSpec(spec: string): boolean {
  return spec.startsWith(HUB_SPEC_PREFIX);
}

// Repo ids: letters, digits, "-", "_", "."; no "--" or ".." (the cache folder name relies on it).
const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseHubSpec(spec: string): HubSpec {
  if (!isHubSpec(spec)) throw new Error(`${spec}: not a hub spec (expected hf:org/name[@revision][/file.gguf])`);
  let rest = spec.slice(HUB_SPEC_PREFIX.length);
  let revision: string | undefined;
  // A trailing "@rev" after a file path: hf:org/name/file.gguf@rev.
  const segments = rest.split("/");
  if (segments.length > 2) {
    const last = segments[segments.length - 1]!;
    const at = last.lastIndexOf("@");
    if (at > 0) {
      revision = last.slice(at + 1);
      segments[segments.length - 1] = last.slice(0, at);
      rest = segments.join("/");
    }
  }
  const parts = rest.split("/");
  const org = parts[0] ?? "";
  let name = parts[1] ?? "";
  const nameAt = name.indexOf("@");
  if (nameAt >= 0) {
    if (revision !== undefined) throw new Error(`${spec}: the revision is given twice`);
    revision = name.slice(nameAt + 1);
    name = name.slice(0, nameAt);
  }
  const bad = (what: string): Error => new Error(`${spec}: ${what} (expected hf:org/name[@revision][/file.gguf])`);
  if (!REPO_PART.test(org) || !REPO_PART.test(name) || `${org}/${name}`.includes("--") || `${org}/${name}`.includes("..")) {
    throw bad(`invalid repository id "${org}/${name}"`);
  }
  if (revision !== undefined && (revision === "" || revision.includes(".."))) throw bad(`invalid revision "${revision}"`);
  const filePath = parts.slice(2).join("/");
  if (parts.length > 2 && (filePath === "" || parts.slice(2).some((p) => p === "" || p === "." || p === ".."))) {
    throw bad(`invalid file path "${filePath}"`);
  }
  return { repo: `${org}/${name}`, revision: revision ?? "main", ...(filePath ? { file: filePath } : {}) };
}
