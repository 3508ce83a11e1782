import { loadavg } from "node:os";

/** Seconds since an arbitrary origin, with sub-microsecond resolution. */
export function nowSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Peak resident set size of this process so far, in bytes (Linux reports it in KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** The 1, 5 and 15 minute load averages, rounded: the machine is shared, so every number needs them. */
export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  const r = (x: number): number => Math.round(x * 100) / 100;
  return [r(a), r(b), r(c)];
}
