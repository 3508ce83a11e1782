/**
 * The largest resident set size seen while it runs, sampled every `intervalMs`. The process's
 * maxRSS cannot be used for a phase: it never goes down, so it would also count whatever an
 * earlier phase (e.g. the 1 GiB bandwidth probe of `sieve bench`) held. RSS is per process, so a
 * worker thread's model and KV pool are included.
 */
export class RssSampler {
  private peak = process.memoryUsage.rss();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 50) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  /** Stops sampling and returns the peak (a last sample included). */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
