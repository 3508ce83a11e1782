export { loadAddon, addonCandidates, describeLoadFailure } from "./load.js";
export type { LoadAttempt, LoadResult } from "./load.js";
export type { NativeAddon, NativeInfo, NativeCudaOps, CudaStatus, WeightArray } from "./native-surface.js";
