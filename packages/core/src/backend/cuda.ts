import type { NativeAddon } from "@sieve/cuda-kernels";
import { NativeBackend } from "./native.js";
import { warnOnce } from "./warn-once.js";
import {
  ROPE_STYLE_CODE,
  WEIGHT_DTYPE_CODE,
  type BackendDescription,
  type BackendName,
  type KernelBackend,
  type PagedAttentionArgs,
} from "./kernels.js";

/** Ops that have CUDA kernels; the rest of the vocabulary runs on the native CPU kernels. */
export const CUDA_OPS = ["matmul", "gemv", "rmsNorm", "rope", "pagedAttention"] as const;

/**
 * The CUDA backend on host arrays: ops with a CUDA kernel copy their operands to the device, run
 * there and copy back; every other op runs on the native CPU backend. `describe()` says which
 * kernel runs each op, so nothing falls back silently.
 */
export class CudaBackend extends NativeBackend implements KernelBackend {
  override readonly name: BackendName = "cuda";

  constructor(addon: NativeAddon) {
    super(addon);
  }

  override describe(): BackendDescription {
    const base = super.describe();
    const info = this.addon.info();
    const kernels = { ...base.kernels };
    for (const op of CUDA_OPS) kernels[op] = "cuda";
    kernels.pagedAttention = `cuda (cpu ${base.kernels.pagedAttention} for head subsets and block-table holes)`;
    return { ...base, name: "cuda", isa: `cuda (${info.cuda.reason}) + ${base.isa}`, kernels };
  }

  override matmul(...a: Parameters<KernelBackend["matmul"]>): void {
    const [out, x, w, wDtype, m, n, k, bias] = a;
    this.addon.cuda.matmul(out, x, w, WEIGHT_DTYPE_CODE[wDtype], m, n, k, bias ?? null);
  }
  override gemv(...a: Parameters<KernelBackend["gemv"]>): void {
    const [out, x, w, wDtype, n, k, bias] = a;
    this.addon.cuda.gemv(out, x, w, WEIGHT_DTYPE_CODE[wDtype], n, k, bias ?? null);
  }
  override rmsNorm(...a: Parameters<KernelBackend["rmsNorm"]>): void {
    this.addon.cuda.rmsNorm(...a);
  }
  override rope(...a: Parameters<KernelBackend["rope"]>): void {
    const [x, positions, rows, nHeads, headDim, invFreq, style] = a;
    this.addon.cuda.rope(x, positions, rows, nHeads, headDim, invFreq, ROPE_STYLE_CODE[style]);
  }
  override pagedAttention(p: PagedAttentionArgs): void {
    // The CUDA kernel knows neither head subsets nor block-table holes: such calls run on the CPU.
    if (p.heads || readsHole(p)) {
      warnOnce("pagedAttention with a head subset or block-table holes runs on the CPU kernel: the CUDA kernel supports neither");
      super.pagedAttention(p);
      return;
    }
    this.addon.cuda.pagedAttention(
      p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos,
      p.numTokens, p.nHeads, p.nKvHeads, p.headDim, p.pageSize, p.maxPagesPerSeq, p.scale,
    );
  }
}

/** Whether some token's pages below its own include a -1 (a hole the CUDA kernel would reject). */
function readsHole(p: PagedAttentionArgs): boolean {
  for (let t = 0; t < p.numTokens; t++) {
    const row = p.tokenSeq[t]! * p.maxPagesPerSeq;
    const last = Math.floor(p.tokenPos[t]! / p.pageSize);
    for (let i = 0; i < last; i++) if (p.blockTable[row + i] === -1) return true;
  }
  return false;
}
