import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_TOKEN, startFakeSlack, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';

const KEY = 'integration-chat-message_sync';
const NAME = 'Message sync (chat)';

let slack: FakeService;
let s: TestServer;
let runner: RunnerProcess;
const dataDir = makeDataDir();
const env = { WEFT_TOKEN: 'provisioning-test-token-0123456789' };
const config = { engineTickMs: 50 };

beforeAll(async () => {
  slack = await startFakeSlack();
  s = await startServer({ dataDir, env, config });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir });
});
afterAll(async () => {
  await runner.kill('SIGKILL');
  await s.close();
  await slack.close();
});

const syncWorkflows = async (server: TestServer) =>
  (await server.request('GET', '/api/workflows')).body.workflows.filter((w: any) => w.definition.name === NAME);
const syncTriggers = async (server: TestServer, workflowId: string) =>
  (await server.request('GET', '/api/triggers')).body.triggers.filter((t: any) => t.workflowId === workflowId);
const integration = async (server: TestServer = s) => (await server.request('GET', '/api/integrations/chat')).body;

async function finished(executionId: string) {
  let ex: any;
  await waitUntil(
    async () => {
      ex = (await s.request('GET', `/api/executions/${executionId}`)).body;
      return ['succeeded', 'failed', 'canceled'].includes(ex.status);
    },
    30_000,
    `execution ${executionId}`,
  );
  return ex;
}

describe('auto-provisioning', () => {
  let workflowId: string;

  it('connecting a messaging integration creates the sync workflow, its schedule and an initial run, once', async () => {
    const res = await s.request('POST', '/api/integrations', {
      body: { provider: 'slack', name: 'chat', config: { apiBaseUrl: `${slack.url}/api`, channels: ['C1'] }, credentials: { botToken: SLACK_TOKEN } },
    });
    expect(res.status).toBe(201);
    await waitUntil(async () => (await integration()).provisioned.length === 1, 10_000, 'provisioning');
    const view = await integration();
    expect(view.status).toBe('ready');
    expect(view.provisioned).toEqual([
      { template: 'message_sync', title: 'Message sync', workflowId: expect.stringMatching(/^wf_/), triggerKey: KEY, createdAt: expect.any(String) },
    ]);
    workflowId = view.provisioned[0].workflowId;

    const [wf] = await syncWorkflows(s);
    expect(wf).toMatchObject({
      id: workflowId,
      version: 1,
      definition: {
        requires: ['chat'],
        steps: [
          { type: 'tool', tool: 'chat:list_messages' },
          { type: 'tool', tool: 'chat:store_messages' },
        ],
      },
    });
    const [trigger] = await syncTriggers(s, workflowId);
    expect(trigger).toMatchObject({ key: KEY, type: 'schedule', enabled: true, schedule: { cron: '*/15 * * * *', timezone: 'UTC' } });
    expect(trigger.lastDelivery).toMatchObject({ kind: 'manual', status: 'started', executionId: expect.stringMatching(/^ex_/) });

    // The initial run syncs the channel into the conversations store.
    const ex = await finished(trigger.lastDelivery.executionId);
    expect(ex.status, JSON.stringify(ex)).toBe('succeeded');
    expect(ex.steps.find((st: any) => st.stepId === 'store').output).toEqual({ received: 3, stored: 3, conversations: 2 });
    await waitUntil(async () => (await integration()).latestSyncExecutionId === ex.id, 10_000, 'sync status');
    expect((await integration()).lastSyncError).toBeNull();
  });

  it('provisioning again, repeatedly and concurrently, creates nothing', async () => {
    const again = await s.request('POST', '/api/integrations/chat/provision');
    expect(again.status).toBe(200);
    expect(again.body.provisioned).toEqual([{ template: 'message_sync', workflowId, triggerKey: KEY, created: false, executionId: null }]);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => s.request('POST', '/api/integrations/chat/provision')),
      s.request('POST', '/api/integrations/chat/check'),
      s.request('POST', '/api/integrations/chat/check'),
    ]);
    for (const r of results) expect(r.status).toBe(200);
    expect(results.slice(0, 5).every((r) => r.body.provisioned[0].created === false)).toBe(true);
    expect(await syncWorkflows(s)).toHaveLength(1);
    expect(await syncTriggers(s, workflowId)).toHaveLength(1);
  });

  it('a provisioning that fails half-way leaves nothing behind, and the retry creates exactly one', async () => {
    const res = await s.request('POST', '/api/integrations', {
      body: { provider: 'slack', name: 'flaky', config: { apiBaseUrl: `${slack.url}/api`, channels: ['C1'] }, credentials: { botToken: SLACK_TOKEN } },
    });
    expect(res.status).toBe(201);
    // Crash after the workflow is written, before the trigger is: the transaction rolls back.
    const triggers = s.app.triggers;
    const original = triggers.upsertWithin;
    triggers.upsertWithin = () => {
      throw new Error('simulated crash before the trigger');
    };
    try {
      await waitUntil(async () => (await s.request('GET', '/api/integrations/flaky')).body.status === 'ready', 10_000, 'flaky ready');
      expect((await s.request('GET', '/api/integrations/flaky')).body.provisioned).toEqual([]);
      const names = (await s.request('GET', '/api/workflows')).body.workflows.map((w: any) => w.definition.name);
      expect(names).not.toContain('Message sync (flaky)');
    } finally {
      triggers.upsertWithin = original;
    }
    const retry = await s.request('POST', '/api/integrations/flaky/provision');
    expect(retry.body.provisioned).toMatchObject([{ created: true, triggerKey: 'integration-flaky-message_sync' }]);
    await s.request('POST', '/api/integrations/flaky/provision');
    const flakyWorkflows = (await s.request('GET', '/api/workflows')).body.workflows.filter((w: any) => w.definition.name === 'Message sync (flaky)');
    expect(flakyWorkflows).toHaveLength(1);
    await s.request('DELETE', '/api/integrations/flaky');
    expect((await s.request('GET', '/api/triggers/integration-flaky-message_sync')).status).toBe(404);
    expect((await s.request('GET', `/api/workflows/${flakyWorkflows[0].id}`)).status).toBe(404);
  });

  it('restart: the backfill creates a missing schedule trigger once, and leaves existing ones alone', async () => {
    // As if the server had stopped after writing the workflow but before its trigger.
    s.app.db.prepare('DELETE FROM triggers WHERE key = ?').run(KEY);
    await runner.kill('SIGKILL');
    await s.close();

    s = await startServer({ dataDir, env, config });
    runner = startRunner({ url: s.url, token: s.runnerToken, dataDir });
    const triggers = await syncTriggers(s, workflowId);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({ key: KEY, enabled: true });
    expect(await syncWorkflows(s)).toHaveLength(1);

    // A second server on the same database, and another restart: still one of each.
    const second = await startServer({ dataDir, env });
    try {
      await waitUntil(async () => (await integration(second)).status === 'ready', 10_000, 'second server check');
      expect(await syncWorkflows(second)).toHaveLength(1);
      expect(await syncTriggers(second, workflowId)).toHaveLength(1);
    } finally {
      await second.close();
    }
    const byKey = s.app.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM triggers WHERE workflow_id = ?').get(workflowId);
    expect(byKey?.n).toBe(1);
    // Nothing is missing any more: the backfill has nothing to do.
    expect(s.app.integrations.provisioning.backfill()).toEqual([]);
  });

  it('the on-complete hook sets latestSyncExecutionId and lastSyncError on failure, and clears the error on success', async () => {
    slack.mode = 'broken';
    const failedRun = await s.request('POST', `/api/triggers/${KEY}/run`);
    expect(failedRun.status, JSON.stringify(failedRun.body)).toBe(202);
    const failed = await finished(failedRun.body.executionId);
    expect(failed.status).toBe('failed');
    await waitUntil(async () => (await integration()).latestSyncExecutionId === failed.id, 10_000, 'failed sync recorded');
    const afterFailure = await integration();
    expect(afterFailure.lastSyncError).toMatch(/HTTP 503/);
    expect(afterFailure.status).toBe('degraded');

    slack.mode = 'ok';
    const okRun = await s.request('POST', `/api/triggers/${KEY}/run`);
    const ok = await finished(okRun.body.executionId);
    expect(ok.status).toBe('succeeded');
    await waitUntil(async () => (await integration()).latestSyncExecutionId === ok.id, 10_000, 'ok sync recorded');
    const afterSuccess = await integration();
    expect(afterSuccess.lastSyncError).toBeNull();
    expect(afterSuccess.status).toBe('ready');
    expect(ok.steps.find((st: any) => st.stepId === 'store').output).toMatchObject({ received: 3, stored: 0 });
  });

  it('conversations: listed by status, with messages; closing and filtering', async () => {
    const open = await s.request('GET', '/api/conversations?status=open');
    expect(open.status).toBe(200);
    expect(open.body.conversations).toHaveLength(2);
    const thread = open.body.conversations.find((c: any) => c.threadId === '1735689600.000100');
    expect(thread).toMatchObject({ integration: 'chat', channel: 'C1', title: 'Hello team', status: 'open', messageCount: 2 });
    const full = await s.request('GET', `/api/conversations/${thread.id}`);
    expect(full.body.messages.map((m: any) => m.text)).toEqual(['Hello team', 'Reply in thread']);

    const closed = await s.request('PATCH', `/api/conversations/${thread.id}`, { body: { status: 'closed' } });
    expect(closed.body.status).toBe('closed');
    expect((await s.request('GET', '/api/conversations?status=closed')).body.conversations.map((c: any) => c.id)).toEqual([thread.id]);
    expect((await s.request('GET', '/api/conversations?status=open')).body.conversations).toHaveLength(1);
    expect((await s.request('GET', '/api/conversations')).body.conversations).toHaveLength(2);
    expect((await s.request('GET', '/api/conversations?status=archived')).status).toBe(400);
    expect((await s.request('GET', '/api/conversations/conv_nope')).status).toBe(404);
  });

  it('deleting an integration other workflows require needs force; its own workflows, triggers and conversations go with it', async () => {
    const user = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Uses chat', requires: ['chat'], steps: [{ id: 'a', type: 'bash', command: 'true' }] } },
    });
    const view = await integration();
    expect(view.requiredBy.map((w: any) => w.name).sort()).toEqual([NAME, 'Uses chat'].sort());
    const refused = await s.request('DELETE', '/api/integrations/chat');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'integration_in_use', details: { workflows: [{ id: user.body.id, name: 'Uses chat' }] } });
    expect((await s.request('DELETE', '/api/integrations/chat?force=true')).status).toBe(204);
    expect(await syncWorkflows(s)).toHaveLength(0);
    expect((await s.request('GET', `/api/triggers/${KEY}`)).status).toBe(404);
    expect((await s.request('GET', '/api/conversations')).body.conversations).toEqual([]);
    expect((await s.request('GET', `/api/workflows/${user.body.id}`)).status).toBe(200);
  });
});
