const ELLIPSIS = '…';

/** First non-blank line, whitespace collapsed, cut to `max` characters; marks anything dropped. */
export function excerpt(text: string, max = 80): string {
  const lines = text.split(/\r?\n/).map((line) => line.replace(/\s+/g, ' ').trim());
  const firstIndex = lines.findIndex((line) => line !== '');
  if (firstIndex === -1) return '';
  const first = lines[firstIndex] ?? '';
  const more = lines.slice(firstIndex + 1).some((line) => line !== '');
  if (first.length > max) return first.slice(0, max - 1) + ELLIPSIS;
  return more ? `${first} ${ELLIPSIS}` : first;
}

/** `90` -> `1m 30s`, `604800` -> `7d`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return `${seconds}s`;
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ];
  let rest = seconds;
  const out: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  if (rest > 0 || out.length === 0) out.push(`${Number(rest.toFixed(3))}s`);
  return out.slice(0, 2).join(' ');
}
