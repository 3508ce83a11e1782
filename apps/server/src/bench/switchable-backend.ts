import type { KernelBackend } from "@sieve/core";

/**
 * The backend getter a benchmarked model is built with: it returns whichever backend is current,
 * so a profiling pass can swap in a timing wrapper without loading the model again.
 */
export class SwitchableBackend {
  constructor(public current: KernelBackend) {}

  readonly get = (): KernelBackend => this.current;
}
