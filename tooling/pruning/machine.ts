/**
 * The machine state printed beside every measurement of this folder: load averages (this machine
 * is shared), CPU, memory, and the two ceilings measured in the same run (read bandwidth with 1
 * and 2 threads, FMA peak), as docs/PERFORMANCE.md asks.
 */
import { cpus, freemem, loadavg, totalmem } from "node:os";
import type { NativeBackend } from "@sieve/core";

export interface MachineState {
  at: string;
  cpu: string;
  cores: number;
  memGiB: { total: number; free: number };
  /** 1, 5 and 15 minute load averages. */
  load: [number, number, number];
  isa?: string;
  readGBs?: { t1: number; t2: number };
  fmaGflops?: number;
}

export function loadAverages(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [round2(a!), round2(b!), round2(c!)];
}

export function machineState(native: NativeBackend | undefined, measureCeilings: boolean): MachineState {
  const state: MachineState = {
    at: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memGiB: { total: round2(totalmem() / 2 ** 30), free: round2(freemem() / 2 ** 30) },
    load: loadAverages(),
  };
  if (native) {
    state.isa = native.addon.info().isa;
    if (measureCeilings) {
      state.readGBs = { t1: round2(native.addon.measureReadBandwidth(1 << 30, 1, 3)), t2: round2(native.addon.measureReadBandwidth(1 << 30, 2, 3)) };
      state.fmaGflops = round2(native.addon.measureFmaPeak(2, 200));
    }
  }
  return state;
}

export function describeMachine(s: MachineState): string {
  const parts = [`${s.at}`, `${s.cpu} x${s.cores}`, `mem ${s.memGiB.free}/${s.memGiB.total} GiB free`, `load avg ${s.load.join(" / ")}`];
  if (s.isa) parts.push(`isa ${s.isa}`);
  if (s.readGBs) parts.push(`read ${s.readGBs.t1} GB/s (1t), ${s.readGBs.t2} GB/s (2t)`);
  if (s.fmaGflops) parts.push(`FMA ${s.fmaGflops} GFLOP/s (2t)`);
  return parts.join("; ");
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
