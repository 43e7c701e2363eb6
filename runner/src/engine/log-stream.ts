import type { StepLogStream } from '../steps/types';

export const LOG_CHUNK_CHARS = 64 * 1024;
export const LOG_INTERVAL_MS = 100;
/** Past this much live output per stream and attempt, the rest is only in the step's output. */
export const LOG_MAX_CHARS_PER_STREAM = 8 * 1024 * 1024;

type Buffered = { text: string; total: number; capped: boolean };

/**
 * Turns a step's many small writes into few `step.log` events: at most one per stream every
 * `intervalMs`, each at most `chunkChars` long. `close()` flushes what is left, so the log always
 * precedes the attempt's terminal event.
 */
export class LogStream {
  private readonly buffers: Record<StepLogStream, Buffered> = {
    stdout: { text: '', total: 0, capped: false },
    stderr: { text: '', total: 0, capped: false },
  };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly emit: (stream: StepLogStream, text: string) => void;
  private readonly intervalMs: number;
  private readonly chunkChars: number;
  private readonly maxChars: number;

  constructor({
    emit,
    intervalMs = LOG_INTERVAL_MS,
    chunkChars = LOG_CHUNK_CHARS,
    maxChars = LOG_MAX_CHARS_PER_STREAM,
  }: {
    emit: (stream: StepLogStream, text: string) => void;
    intervalMs?: number;
    chunkChars?: number;
    maxChars?: number;
  }) {
    this.emit = emit;
    this.intervalMs = intervalMs;
    this.chunkChars = chunkChars;
    this.maxChars = maxChars;
  }

  write(stream: StepLogStream, text: string): void {
    if (this.closed || text === '') return;
    const buffer = this.buffers[stream];
    if (buffer.capped) return;
    const room = this.maxChars - buffer.total;
    if (text.length > room) {
      buffer.text += `${text.slice(0, room)}\n[weft: live ${stream} truncated after ${this.maxChars} characters]\n`;
      buffer.total = this.maxChars;
      buffer.capped = true;
    } else {
      buffer.text += text;
      buffer.total += text.length;
    }
    // Full chunks go at once so a chatty step cannot grow the buffer between ticks.
    while (buffer.text.length >= this.chunkChars) this.emitChunk(stream, this.chunkChars);
    if (buffer.text !== '' && this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      while (this.buffers[stream].text !== '') this.emitChunk(stream, this.chunkChars);
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }

  private emitChunk(stream: StepLogStream, size: number): void {
    const buffer = this.buffers[stream];
    let end = Math.min(size, buffer.text.length);
    // Never split a surrogate pair between two events.
    const last = buffer.text.charCodeAt(end - 1);
    if (end > 1 && end < buffer.text.length && last >= 0xd800 && last <= 0xdbff) end--;
    const chunk = buffer.text.slice(0, end);
    buffer.text = buffer.text.slice(end);
    this.emit(stream, chunk);
  }
}
