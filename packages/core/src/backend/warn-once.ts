/** One stderr line per distinct message per process (silenced by SIEVE_QUIET=1): backend fallbacks say so once, not per call. */
const warned = new Set<string>();

export function warnOnce(message: string): void {
  if (warned.has(message) || process.env.SIEVE_QUIET === "1") return;
  warned.add(message);
  process.stderr.write(`[sieve] warning: ${message}\n`);
}
