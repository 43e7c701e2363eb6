import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TOOL_ANSWER_BYTES, createToolClient } from '../../src/llm/tool-client';
import { sendJson, startHttpServer } from '../helpers/http-server';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function server(status = 200, body: unknown = { ok: true, result: { n: 1 } }) {
  const s = await startHttpServer((_req, res) => sendJson(res, status, body));
  closers.push(s.close);
  return s;
}

const call = {
  name: 'workflows:list_workflows',
  arguments: { a: 1 },
  executionId: 'exe_1',
  stepId: 'ask',
  sessionId: 'ses_1',
  signal: new AbortController().signal,
};

describe('tool client', () => {
  it('calls with the runner token and names the lease it holds (runner id, lease attempt)', async () => {
    const s = await server();
    const client = createToolClient({
      serverUrl: async () => s.url,
      token: 'runner-secret',
      runnerId: 'rnr_me',
      leaseAttemptOf: (id) => (id === 'exe_1' ? 3 : undefined),
      listTools: async () => [],
    });
    expect(await client.call(call)).toEqual({ ok: true, result: { n: 1 } });
    const [req] = s.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/api/tools/call' });
    expect(req!.headers.authorization).toBe('Bearer runner-secret');
    expect(JSON.parse(req!.body)).toEqual({
      name: 'workflows:list_workflows',
      arguments: { a: 1 },
      sessionId: 'ses_1',
      context: { executionId: 'exe_1', stepId: 'ask', runnerId: 'rnr_me', leaseAttempt: 3 },
    });
  });

  it('does not call for an execution it holds no lease on', async () => {
    const s = await server();
    const client = createToolClient({
      serverUrl: async () => s.url,
      token: 't',
      runnerId: 'rnr_me',
      leaseAttemptOf: () => undefined,
      listTools: async () => [],
    });
    expect(await client.call(call)).toMatchObject({ ok: false, code: 'lease_not_held' });
    expect(s.requests).toHaveLength(0);
  });

  it('reports the server refusing the lease as a 403 with its code', async () => {
    const s = await server(403, { error: { code: 'lease_not_held', message: 'runner rnr_me holds no current lease' } });
    const client = createToolClient({ serverUrl: async () => s.url, token: 't', runnerId: 'rnr_me', leaseAttemptOf: () => 1, listTools: async () => [] });
    expect(await client.call(call)).toEqual({ ok: false, status: 403, code: 'lease_not_held', error: 'runner rnr_me holds no current lease' });
  });

  it('lists tools through the socket, never over HTTP', async () => {
    const s = await server();
    const tools = [{ name: 'x:y', description: 'd', inputSchema: {}, destructive: false }];
    const client = createToolClient({ serverUrl: async () => s.url, token: 't', runnerId: 'r', leaseAttemptOf: () => 1, listTools: async () => tools });
    expect(await client.list()).toBe(tools);
    expect(s.requests).toHaveLength(0);
  });

  it('reads the answer to a call no further than MAX_TOOL_ANSWER_BYTES: a larger one is refused, never buffered', async () => {
    let cut = false;
    const s = await startHttpServer((_req, res) => {
      // No content-length: streamed until the reader stops, 1 MiB at a time, up to 64 MiB.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ok":true,"result":"');
      let sent = 0;
      const chunk = 'x'.repeat(1024 * 1024);
      res.on('close', () => {
        cut = !res.writableFinished;
      });
      const more = () => {
        while (sent < 64) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('"}');
      };
      more();
    });
    closers.push(s.close);
    const client = createToolClient({ serverUrl: async () => s.url, token: 't', runnerId: 'r', leaseAttemptOf: () => 1, listTools: async () => [] });
    expect(await client.call(call)).toMatchObject({ ok: false, status: 200, code: 'tool_answer_too_large' });
    await new Promise((r) => setTimeout(r, 200));
    expect(cut).toBe(true);
    const declared = await server(200, { ok: true, result: 'y'.repeat(MAX_TOOL_ANSWER_BYTES) });
    const again = createToolClient({ serverUrl: async () => declared.url, token: 't', runnerId: 'r', leaseAttemptOf: () => 1, listTools: async () => [] });
    expect(await again.call(call)).toMatchObject({ ok: false, code: 'tool_answer_too_large' });
  });
});
