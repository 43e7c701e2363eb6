import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messageKey } from '../../src/steps/notify';
import { recordingNotifier, testNotifyStep } from '../helpers/step-handlers';
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
  it('asks the server to deliver, keyed per step instance, and says where the server put it', async () => {
    const { notifier, requests } = recordingNotifier(() => ['session']);
    const step = testNotifyStep(undefined, notifier);
    const ctx = stepContext({ stepId: 'announce', iterationPath: 'each[1]', scope: { inputs: { v: '1.2' }, steps: {}, trigger: null } });
    const output = await step.run(ctx, {
      id: 'announce',
      type: 'notify',
      message: 'Deployed {{ inputs.v }}',
      title: 'Deploy {{ inputs.v }}',
      level: 'success',
    });
    expect(output).toEqual({ delivered: ['session'] });
    expect(requests).toEqual([
      {
        executionId: ctx.executionId,
        stepId: 'announce',
        iterationPath: 'each[1]',
        stepAttempt: ctx.attempt,
        key: 'notify:announce:each[1]',
        message: 'Deployed 1.2',
        title: 'Deploy 1.2',
        level: 'success',
      },
    ]);
    expect(ctx.messages).toEqual([]);
  });

  it('names an integration channel and reports it delivered there', async () => {
    const { notifier, requests } = recordingNotifier();
    const output = await testNotifyStep(undefined, notifier).run(stepContext(), { id: 'n', type: 'notify', message: 'hi', channel: 'slack:#ops' });
    expect(output).toEqual({ delivered: ['slack:#ops'] });
    expect(requests[0]).toMatchObject({ channel: 'slack:#ops', level: 'info' });
  });

  it('fails for good when the server cannot post to the channel, and retryably when the post failed', async () => {
    const refuse = (code: string) => recordingNotifier(() => Promise.reject(Object.assign(new Error(`channel: nope (${code})`), { code }))).notifier;
    const run = (code: string) => testNotifyStep(undefined, refuse(code)).run(stepContext(), { id: 'n', type: 'notify', message: 'hi', channel: 'nope:#x' });
    await expect(run('integration_not_found')).rejects.toMatchObject({
      name: 'NonRetriableStepError',
      code: 'integration_not_found',
      message: 'channel: nope (integration_not_found)',
    });
    await expect(run('channel_post_failed')).rejects.toMatchObject({ name: 'StepFailedError', code: 'channel_post_failed' });
  });

  it('refuses a message that renders empty', async () => {
    const ctx = stepContext({ scope: { inputs: { v: '' }, steps: {}, trigger: null } });
    await expect(notifyStep.run(ctx, { id: 'n', type: 'notify', message: '{{ inputs.v }}' })).rejects.toMatchObject({ code: 'empty_message' });
  });

  it('keeps message keys within the protocol limit', () => {
    const key = messageKey({ stepId: 'n', iterationPath: 'loop_name[1]/'.repeat(40) });
    expect(key.length).toBeLessThanOrEqual(300);
    expect(key.startsWith('notify:n:#')).toBe(true);
  });

  it('POSTs { text } to a webhook with an idempotency key', async () => {
    const ctx = stepContext({ executionId: 'exe_1', stepId: 'ping', iterationPath: '' });
    const output = await notifyStep.run(ctx, { id: 'ping', type: 'notify', message: 'hello', channel: { webhookUrl: `${server.url}/hook` } });
    expect(output).toEqual({ delivered: ['webhook'] });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/hook', body: '{"text":"hello"}' });
    expect(server.requests[0]?.headers['idempotency-key']).toBe('exe_1:ping:');
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(ctx.messages).toEqual([]);
  });

  it('retries a webhook once after a server error', async () => {
    script = [503];
    const ctx = stepContext();
    await expect(notifyStep.run(ctx, { id: 'ping', type: 'notify', message: 'x', channel: { webhookUrl: `${server.url}/hook` } })).resolves.toEqual({
      delivered: ['webhook'],
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
