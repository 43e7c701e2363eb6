import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { closeGracefully } from '../src/live/graceful-close';

/** Stands in for a ws socket whose peer reads at a pace the test sets (a real one cannot be paced deterministically). */
function pacedSocket(buffered: number) {
  const calls: string[] = [];
  const socket = {
    CLOSED: 3,
    readyState: 1,
    bufferedAmount: buffered,
    close: (code: number) => calls.push(`close ${code}`),
    terminate: () => {
      calls.push('terminate');
      socket.readyState = 3;
    },
  };
  return { socket, calls, ws: socket as unknown as WebSocket };
}

describe('closeGracefully', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the close at once and terminates a peer that drains nothing for the grace period', () => {
    const { ws, calls } = pacedSocket(4 << 20);
    let terminated = 0;
    closeGracefully(ws, { code: 4008, reason: 'slow', graceMs: 1000, onTerminate: () => terminated++ });
    expect(calls).toEqual(['close 4008']);
    vi.advanceTimersByTime(900);
    expect(calls).toEqual(['close 4008']);
    vi.advanceTimersByTime(200);
    expect(calls).toEqual(['close 4008', 'terminate']);
    expect(terminated).toBe(1);
  });

  it('gives a peer that keeps draining more than the grace period, and ends it once it stalls', () => {
    const { socket, ws, calls } = pacedSocket(4 << 20);
    closeGracefully(ws, { code: 4008, reason: 'slow', graceMs: 1000 });
    // 64 KiB read every 250 ms: five grace periods long, never terminated.
    for (let t = 0; t < 5000; t += 250) {
      socket.bufferedAmount -= 64 * 1024;
      vi.advanceTimersByTime(250);
    }
    expect(calls).toEqual(['close 4008']);
    vi.advanceTimersByTime(1250);
    expect(calls).toEqual(['close 4008', 'terminate']);
  });

  it('stops watching a socket that closed by itself', () => {
    const { socket, ws, calls } = pacedSocket(1024);
    closeGracefully(ws, { code: 4008, reason: 'slow', graceMs: 1000 });
    socket.readyState = socket.CLOSED;
    vi.advanceTimersByTime(5000);
    expect(calls).toEqual(['close 4008']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
