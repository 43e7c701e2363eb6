import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogStream } from './log-stream';

describe('LogStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces writes into at most one event per stream per interval', () => {
    const emitted: [string, string][] = [];
    const logs = new LogStream({ emit: (stream, text) => emitted.push([stream, text]) });
    logs.write('stdout', 'a');
    logs.write('stderr', 'x');
    logs.write('stdout', 'b');
    expect(emitted).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(emitted).toEqual([
      ['stdout', 'ab'],
      ['stderr', 'x'],
    ]);
    logs.write('stdout', 'c');
    vi.advanceTimersByTime(99);
    expect(emitted).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(emitted[2]).toEqual(['stdout', 'c']);
  });

  it('emits full chunks at once and never more than the chunk size', () => {
    const emitted: string[] = [];
    const logs = new LogStream({ emit: (_stream, text) => emitted.push(text), chunkChars: 4 });
    logs.write('stdout', '0123456789');
    expect(emitted).toEqual(['0123', '4567']);
    logs.close();
    expect(emitted).toEqual(['0123', '4567', '89']);
  });

  it('does not split a surrogate pair', () => {
    const emitted: string[] = [];
    const logs = new LogStream({ emit: (_stream, text) => emitted.push(text), chunkChars: 4 });
    logs.write('stdout', 'abc😀def');
    logs.close();
    expect(emitted).toEqual(['abc', '😀de', 'f']);
  });

  it('stops streaming past the per-stream cap with a note', () => {
    const emitted: string[] = [];
    const logs = new LogStream({ emit: (_stream, text) => emitted.push(text), maxChars: 5 });
    logs.write('stdout', 'abc');
    logs.write('stdout', 'defgh');
    logs.write('stdout', 'ignored');
    logs.close();
    expect(emitted.join('')).toBe('abcde\n[weft: live stdout truncated after 5 characters]\n');
  });

  it('ignores writes after close', () => {
    const emit = vi.fn();
    const logs = new LogStream({ emit });
    logs.close();
    logs.write('stdout', 'late');
    vi.advanceTimersByTime(1000);
    expect(emit).not.toHaveBeenCalled();
  });
});
