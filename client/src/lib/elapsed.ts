/**
 * How long something took, as every duration on the client reads: `420 ms`, `1.5 s`, `42 s`,
 * `1m 35s`, `2h 5m`, `3d 4h`. The unit is chosen after rounding, so a value never shows a
 * rounded-up "60 s", "60m" or "24h" beside an un-carried larger unit ("1m 60s"): 119.6 s is `2m 0s`.
 * Rounding at each tier lands on the next tier's first value, so a longer duration never reads shorter.
 */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const wholeMs = Math.round(ms);
  if (wholeMs < 1000) return `${wholeMs} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 100) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  const hours = Math.round(ms / 3_600_000);
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
