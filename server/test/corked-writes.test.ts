import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { corkedWrites } from '../src/http/corked-writes';

/** A WebSocket whose TCP socket records cork and uncork calls. */
function fakeSocket() {
  const calls: string[] = [];
  const socket = { _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') } } as unknown as WebSocket;
  return { socket, calls };
}

describe('corkedWrites', () => {
  it('corks once for the frames of one synchronous run and uncorks after it', async () => {
    const { socket, calls } = fakeSocket();
    const beforeWrite = corkedWrites(socket);
    beforeWrite(100);
    beforeWrite(100);
    beforeWrite(100);
    expect(calls).toEqual(['cork']);
    await Promise.resolve();
    expect(calls).toEqual(['cork', 'uncork']);
    beforeWrite(10);
    await Promise.resolve();
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);
  });

  it('flushes what it holds once more than flushBytes wait, and keeps corking the rest of the run', async () => {
    const { socket, calls } = fakeSocket();
    const beforeWrite = corkedWrites(socket, 1000);
    for (let i = 0; i < 5; i++) beforeWrite(400);
    // 400, 800, 1200 > 1000 -> flush before the 4th; then 400, 800 held.
    expect(calls).toEqual(['cork', 'uncork', 'cork']);
    await Promise.resolve();
    expect(calls.at(-1)).toBe('uncork');
  });

  it('does nothing for a socket without a TCP socket underneath', () => {
    const beforeWrite = corkedWrites({} as WebSocket);
    expect(() => beforeWrite(10)).not.toThrow();
  });
});
