import { SingleBar, Presets } from "cli-progress";
import type { CliIo } from "./io.js";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update() {}, stop() {} };

/**
 * A progress bar on stderr, only for a person watching: never with --json and never when stderr
 * is not a terminal (logs, CI, tests), where redraw sequences would be noise.
 */
export function createProgress(io: CliIo, json: boolean, label: string, options: { counts?: boolean } = {}): Progress {
  if (json || !io.stderr.isTTY) return NO_PROGRESS;
  // counts: false for progress measured in fractions, where "{value}/{total}" would mean nothing;
  // such bars (long calibrations) show the estimated time left instead.
  const counts = options.counts ?? true ? " {value}/{total}" : " | ETA {eta_formatted}";
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}%${counts}`, stream: io.stderr as NodeJS.WritableStream, clearOnComplete: true, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
