import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/steps/notify';
import { testNotifyStep } from '../helpers/step-handlers';
import { startHttpServer } from '../helpers/http-server';
import { stepContext } from '../helpers/step-context';

let server: Awaited<ReturnType<typeof startHttpServer>>;
/** Status codes the webhook answers with, in order; then 200. */
let script: number[] = [];

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    const status = script.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : 'nope');
  });
});
afterAll(() => server.close());
beforeEach(() => {
  script = [];
  server.requests.length = 0;
});

const notifyStep = testNotifyStep();

describe('notify step', () => {
  it('posts to the session as a keyed system message by default', async () => {
    const ctx = stepContext({ stepId: 'announce', iterationPath: 'each[1]', scope: { inputs: { v: '1.2' }, steps: {}, trigger: null } });
    const output = await notifyStep.run(ctx, { id: 'announce', type: 'notify', message: 'Deployed {{ inputs.v }}' });
    expect(output).toEqual({ delivered: true, channel: 'session' });
    expect(ctx.messages).toEqual([
      { op: 'create', key: 'notify:announce:each[1]', role: 'system', parts: [{ type: 'text', text: 'Deployed 1.2' }] },
      { op: 'complete', key: 'notify:announce:each[1]', status: 'complete' },
    ]);
  });

  it('keeps message keys within the protocol limit', () => {
    const key = messageKey({ stepId: 'n', iterationPath: 'loop_name[1]/'.repeat(40) });
    expect(key.length).toBeLessThanOrEqual(300);
    expect(key.startsWith('notify:n:#')).toBe(true);
  });

  it('POSTs { text } to a webhook with an idempotency key', async () => {
    const ctx = stepContext({ executionId: 'exe_1', stepId: 'ping', iterationPath: '' });
    const output = await notifyStep.run(ctx, { id: 'ping', type: 'notify', message: 'hello', channel: { webhookUrl: `${server.url}/hook` } });
    expect(output).toEqual({ delivered: true, channel: 'webhook' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/hook', body: '{"text":"hello"}' });
    expect(server.requests[0]?.headers['idempotency-key']).toBe('exe_1:ping:');
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(ctx.messages).toEqual([]);
  });

  it('retries a webhook once after a server error', async () => {
    script = [503];
    const ctx = stepContext();
    await expect(notifyStep.run(ctx, { id: 'ping', type: 'notify', message: 'x', channel: { webhookUrl: `${server.url}/hook` } })).resolves.toMatchObject({
      delivered: true,
    });
    expect(server.requests).toHaveLength(2);
  });

  it('fails after the second server error, and does not retry a client error', async () => {
    script = [500, 500];
    await expect(notifyStep.run(stepContext(), { id: 'ping', type: 'notify', message: 'x', channel: { webhookUrl: `${server.url}/hook` } })).rejects.toThrow(
      /answered HTTP 500/,
    );
    expect(server.requests).toHaveLength(2);
    server.requests.length = 0;
    script = [400];
    await expect(notifyStep.run(stepContext(), { id: 'ping', type: 'notify', message: 'x', channel: { webhookUrl: `${server.url}/hook` } })).rejects.toThrow(
      /answered HTTP 400/,
    );
    expect(server.requests).toHaveLength(1);
  });
});
