import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson } from '../src/integrations/providers/http';

// A service answering far more than a built-in provider (Slack, GitHub) reads: 64 MiB, streamed
// 1 MiB at a time as the reader takes it.
let server: http.Server;
let url: string;
const outcomes: { finished: boolean }[] = [];

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    const outcome = { finished: false };
    outcomes.push(outcome);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.on('close', () => {
      outcome.finished = res.writableFinished;
    });
    const chunk = 'x'.repeat(1024 * 1024);
    let sent = 0;
    res.write('{"text":"');
    const more = () => {
      while (sent < 64) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end('"}');
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a built-in provider reading an answer', () => {
  it('stops at 4 MiB and leaves the rest unread', async () => {
    const res = await requestJson({ url, signal: new AbortController().signal, timeoutMs: 10_000, what: 'Big GET' });
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.text)).toBe(4 * 1024 * 1024);
    expect(res.body).toBe(res.text); // cut JSON stays text
    await new Promise((r) => setTimeout(r, 200));
    expect(outcomes).toEqual([{ finished: false }]);
  });
});
