import { describe, expect, it } from 'vitest';
import { bounded } from './mcp';

const encoder = new TextEncoder();

/** A response whose body is `chunks`, sent one by one. */
function streamed(chunks: string[], contentType: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': contentType } });
}

describe('an MCP answer bounded on the wire', () => {
  it('refuses a plain answer once it passes the limit in all', async () => {
    const res = bounded(streamed(['{"a":"', 'x'.repeat(60), '"}'], 'application/json'), 50);
    await expect(res.text()).rejects.toThrow(/larger than 50 bytes/);
  });

  it('bounds an event stream per event: many small events pass, however long the stream runs', async () => {
    const event = (n: number, end: string) => `event: message${end}data: ${`{"n":${n}}`.padEnd(20, ' ')}${end}${end}`;
    for (const end of ['\n', '\r\n']) {
      const events = Array.from({ length: 40 }, (_, n) => event(n, end));
      const text = await bounded(streamed(events, 'text/event-stream'), 64).text();
      expect(text).toBe(events.join(''));
    }
  });

  it('refuses one event larger than the limit', async () => {
    const res = bounded(streamed(['data: small\n\n', `data: ${'x'.repeat(40)}`, `${'y'.repeat(40)}\n\n`], 'text/event-stream; charset=utf-8'), 64);
    await expect(res.text()).rejects.toThrow(/larger than 64 bytes/);
  });
});
