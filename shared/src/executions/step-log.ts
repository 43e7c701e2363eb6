/** One stretch of a step's streamed output: consecutive text of one stream. */
export type LogChunk = { stream: string; text: string };

/** Characters kept per step attempt: the tail survives, the head is dropped. */
export const MAX_LOG_CHARS = 200_000;

/**
 * Appends `chunk` to an attempt's log: joined with the last chunk of the same stream, and cut to
 * the last `MAX_LOG_CHARS`. Pure: the run page (live events) and retention (folding the events
 * into the step's row) keep the very same log.
 */
export function appendLogChunk(chunks: readonly LogChunk[], chunk: LogChunk): LogChunk[] {
  const last = chunks.at(-1);
  const next =
    last !== undefined && last.stream === chunk.stream ? [...chunks.slice(0, -1), { stream: chunk.stream, text: last.text + chunk.text }] : [...chunks, chunk];
  let total = next.reduce((n, c) => n + c.text.length, 0);
  while (total > MAX_LOG_CHARS && next.length > 0) {
    const head = next[0]!;
    const excess = total - MAX_LOG_CHARS;
    if (head.text.length <= excess) {
      next.shift();
      total -= head.text.length;
    } else {
      next[0] = { ...head, text: head.text.slice(excess) };
      total -= excess;
    }
  }
  return next;
}
