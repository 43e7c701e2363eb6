import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { SLACK_TOKEN, startFakeSlack, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

/**
 * Where a notify step's message goes, with a real runner process: the run's chat session, else
 * the Notifications inbox, or a Slack channel through the integration; the step output says which.
 */
let s: TestServer;
let r: RunnerProcess;
let slack: FakeService;
const dataDir = makeDataDir();

beforeAll(async () => {
  s = await startServer({ dataDir, config: { leaseMs: 3000, runnerHeartbeatMs: 500, engineTickMs: 50 } });
  r = startRunner({ url: s.url, token: s.runnerToken, dataDir, capacity: 4 });
  slack = await startFakeSlack();
  const created = await s.request('POST', '/api/integrations', {
    body: { provider: 'slack', name: 'slack', config: { apiBaseUrl: `${slack.url}/api`, channels: ['C1'] }, credentials: { botToken: SLACK_TOKEN } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await waitUntil(async () => (await s.request('GET', '/api/integrations/slack')).body.status === 'ready', 15_000, 'slack ready');
  // Its provisioned message-sync schedule would run workflows of its own during the test.
  await waitUntil(async () => (await s.request('GET', '/api/integrations/slack')).body.provisioned.length === 1, 15_000, 'provisioning');
  expect((await s.request('DELETE', '/api/triggers/integration-slack-message_sync')).status).toBe(204);
});
afterAll(async () => {
  await r.kill('SIGTERM');
  await s.close();
  await slack.close();
});

async function run(definition: unknown, body: Record<string, unknown> = {}) {
  const wf = await s.request('POST', '/api/workflows', { body: { definition } });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const res = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const execution = await finishedExecution(s, res.body.executionId);
  return { execution, workflowId: wf.body.id as string };
}
const stepOf = (execution: any, stepId: string) => execution.steps.filter((st: any) => st.stepId === stepId).at(-1);
const inbox = async (query = '') => (await s.request('GET', `/api/notifications${query}`)).body;

describe('notify delivery', () => {
  it('a run without a chat lands in the inbox, live on the notifications topic, and says delivered: ["inbox"]', async () => {
    const before = await s.request('GET', '/api/events?topic=notifications');
    const { execution, workflowId } = await run({
      name: 'Disk check',
      steps: [{ id: 'tell', type: 'notify', message: 'Disk at {{ 40 + 41 }}%', level: 'warning' }],
    });
    expect(execution.status).toBe('succeeded');
    expect(stepOf(execution, 'tell').output).toEqual({ delivered: ['inbox'] });
    // Not given a chat session of its own.
    expect(execution.sessionId ?? null).toBeNull();

    const page = await inbox();
    const row = page.notifications.find((n: any) => n.executionId === execution.id);
    expect(row).toMatchObject({ workflowId, stepId: 'tell', title: 'Disk check', message: 'Disk at 81%', level: 'warning', readAt: null });
    expect(row.id).toMatch(/^ntf_/);
    expect(page.unreadCount).toBeGreaterThanOrEqual(1);

    const events = (await s.request('GET', `/api/events?topic=notifications&after=${before.body.lastSeq}`)).body.events;
    expect(events.map((e: any) => [e.type, e.data.id])).toContainEqual(['notification.created', row.id]);
  });

  it('a run started from a chat posts there, not to the inbox, and says delivered: ["session"]', async () => {
    const session = (await s.request('POST', '/api/sessions', { body: { title: 'ops' } })).body;
    const { execution } = await run(
      { name: 'Chat notify', steps: [{ id: 'say', type: 'notify', message: 'done in chat', title: 'ignored in chat' }] },
      { sessionId: session.id },
    );
    expect(stepOf(execution, 'say').output).toEqual({ delivered: ['session'] });
    const messages = (await s.request('GET', `/api/sessions/${session.id}/messages`)).body.messages;
    expect(messages.find((m: any) => m.stepId === 'say')).toMatchObject({ role: 'system', executionId: execution.id, status: 'complete' });
    expect((await inbox()).notifications.some((n: any) => n.executionId === execution.id)).toBe(false);
  });

  it('channel "slack:#ops" posts through the integration (its token stays on the server) and says so', async () => {
    const posted = slack.requests.length;
    const { execution } = await run({ name: 'To Slack', steps: [{ id: 'ops', type: 'notify', channel: 'slack:#ops', message: 'deploy {{ 2 * 3 }} done' }] });
    expect(execution.status).toBe('succeeded');
    expect(stepOf(execution, 'ops').output).toEqual({ delivered: ['slack:#ops'] });
    const calls = slack.requests.slice(posted).filter((q) => q.path === '/api/chat.postMessage');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({ channel: '#ops', text: 'deploy 6 done' });
    expect(r.output()).not.toContain(SLACK_TOKEN);
    expect((await inbox()).notifications.some((n: any) => n.executionId === execution.id)).toBe(false);
  });

  it('an unknown integration fails the step with integration_not_found, once (no retry helps)', async () => {
    const { execution } = await run({
      name: 'Bad channel',
      steps: [{ id: 'nope', type: 'notify', channel: 'teams:#ops', message: 'x', retry: { maxAttempts: 3, backoffSeconds: 0 } }],
    });
    expect(execution.status).toBe('failed');
    const step = stepOf(execution, 'nope');
    expect(step.attempt).toBe(1);
    expect(step.error).toMatchObject({ code: 'integration_not_found' });
    expect(step.error.message).toContain('no integration named "teams"');
  });

  it('a Slack failure fails the step with channel_post_failed, without the token in the message', async () => {
    slack.mode = 'broken';
    try {
      const { execution } = await run({ name: 'Slack down', steps: [{ id: 'ops', type: 'notify', channel: 'slack:#ops', message: 'x' }] });
      expect(execution.status).toBe('failed');
      const step = stepOf(execution, 'ops');
      expect(step.error).toMatchObject({ code: 'channel_post_failed' });
      expect(JSON.stringify(step.error)).not.toContain(SLACK_TOKEN);
    } finally {
      slack.mode = 'ok';
    }
  });
});

describe('GET /api/notifications and POST /api/notifications/read', () => {
  it('pages newest first with before=, filters unread, and marks read by id and all at once', async () => {
    for (const n of [1, 2, 3]) await run({ name: `Page ${n}`, steps: [{ id: 'n', type: 'notify', message: `m${n}` }] });
    const all = (await inbox('?limit=200')).notifications;
    const ids = all.map((n: any) => n.id);
    expect([...ids].sort().reverse()).toEqual(ids);

    const first = (await inbox('?limit=2')).notifications;
    expect(first.map((n: any) => n.id)).toEqual(ids.slice(0, 2));
    const next = (await inbox(`?limit=2&before=${first[1].id}`)).notifications;
    expect(next.map((n: any) => n.id)).toEqual(ids.slice(2, 4));

    const marked = await s.request('POST', '/api/notifications/read', { body: { ids: [ids[0], ids[0], 'ntf_unknown0'] } });
    expect(marked.status).toBe(200);
    expect(marked.body.marked).toBe(1);
    const unread = await inbox('?unread=true&limit=200');
    expect(unread.notifications.map((n: any) => n.id)).not.toContain(ids[0]);
    expect(unread.unreadCount).toBe(ids.length - 1);
    expect((await inbox('?limit=1')).notifications[0].readAt).not.toBeNull();

    const before = await s.request('GET', '/api/events?topic=notifications');
    const everything = await s.request('POST', '/api/notifications/read', { body: { all: true } });
    expect(everything.body).toEqual({ marked: ids.length - 1, unreadCount: 0 });
    expect((await inbox('?unread=1')).notifications).toEqual([]);
    const events = (await s.request('GET', `/api/events?topic=notifications&after=${before.body.lastSeq}`)).body.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'notification.read', data: { unreadCount: 0 } });
    expect(events[0].data.ids).toHaveLength(ids.length - 1);
    // Nothing left to mark: no event, nothing counted.
    expect((await s.request('POST', '/api/notifications/read', { body: { all: true } })).body).toEqual({ marked: 0, unreadCount: 0 });
  });

  it.each([
    ['?unread=yes', 'unread'],
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?limit=ten', 'limit'],
    ['?before=42', 'before'],
    ['?sort=asc', 'sort'],
  ])('refuses the query %s with 400 naming %s', async (query, field) => {
    const res = await s.request('GET', `/api/notifications${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.message).toContain(field);
  });

  it.each([
    [{}, 'ids'],
    [{ ids: [] }, 'ids'],
    [{ ids: ['x'] }, 'ids'],
    [{ all: false }, 'all'],
    [{ ids: ['ntf_a'], all: true }, 'ids'],
    [{ everything: true }, 'everything'],
  ])('refuses the body %j naming %s', async (body, field) => {
    const res = await s.request('POST', '/api/notifications/read', { body });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain(field);
  });
});
