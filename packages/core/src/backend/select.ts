import { warnOnce } from "./warn-once.js";
import { CudaBackend } from "./cuda.js";
import type { BackendName, KernelBackend } from "./kernels.js";
import { loadNativeBackend } from "./native.js";
import { referenceBackend } from "./reference.js";

/** Which backend was asked for, which one is active, and why they differ (if they do). */
export interface BackendStatus {
  requested: BackendName;
  active: BackendName;
  /** Set when the active backend is not the requested one. */
  fallbackReason?: string;
}

let active: KernelBackend | undefined;
let status: BackendStatus | undefined;

function requestedFromEnv(): BackendName {
  const value = (process.env.SIEVE_BACKEND ?? "native").trim().toLowerCase();
  if (value === "reference" || value === "native" || value === "cuda") return value;
  warnOnce(`SIEVE_BACKEND=${process.env.SIEVE_BACKEND} is not one of reference|native|cuda; using native`);
  return "native";
}

/**
 * Builds the backend for a name, falling back (native -> reference, cuda -> native -> reference)
 * with one clear warning that says why. Never throws.
 */
export function createBackend(requested: BackendName): { backend: KernelBackend; status: BackendStatus } {
  if (requested === "reference") {
    return { backend: referenceBackend, status: { requested, active: "reference" } };
  }
  const native = loadNativeBackend();
  if (!native.ok) {
    const reason = native.reason;
    warnOnce(`falling back to the reference (TypeScript) kernels, which are slow.\n${reason}`);
    return { backend: referenceBackend, status: { requested, active: "reference", fallbackReason: reason } };
  }
  if (requested === "cuda") {
    const cuda = native.backend.addon.info().cuda;
    if (!cuda.available) {
      const reason = `CUDA unavailable: ${cuda.reason}`;
      warnOnce(`SIEVE_BACKEND=cuda but ${reason}; using the native CPU backend`);
      return { backend: native.backend, status: { requested, active: "native", fallbackReason: reason } };
    }
    return { backend: new CudaBackend(native.backend.addon), status: { requested, active: "cuda" } };
  }
  return { backend: native.backend, status: { requested, active: "native" } };
}

/** The process-wide backend: chosen on first use from SIEVE_BACKEND (default native). */
export function getBackend(): KernelBackend {
  if (!active) setBackend(requestedFromEnv());
  return active!;
}

/** Chooses the process-wide backend by name (with fallback) or sets a backend object directly. */
export function setBackend(choice: BackendName | KernelBackend): KernelBackend {
  if (typeof choice === "string") {
    const created = createBackend(choice);
    active = created.backend;
    status = created.status;
  } else {
    active = choice;
    status = { requested: choice.name, active: choice.name };
  }
  return active;
}

export function getBackendStatus(): BackendStatus {
  getBackend();
  return { ...status! };
}
