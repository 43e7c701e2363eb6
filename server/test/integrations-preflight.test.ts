import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_TOKEN, startFakeGithub, type FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { startServer, type TestServer } from './helpers/server';

let s: TestServer;
let ok: FakeService;
let broken: FakeService;
let hanging: FakeService;

beforeAll(async () => {
  [ok, broken, hanging] = await Promise.all([startFakeGithub(), startFakeGithub(), startFakeGithub()]);
  broken.mode = 'broken';
  s = await startServer();
});
afterAll(async () => {
  hanging.release();
  await s.close();
  await Promise.all([ok.close(), broken.close(), hanging.close()]);
});

async function connect(name: string, fake: FakeService, token = GITHUB_TOKEN) {
  const res = await s.request('POST', '/api/integrations', { body: { provider: 'github', name, config: { apiBaseUrl: fake.url }, credentials: { token } } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}
async function until(name: string, status: string) {
  await waitUntil(async () => (await s.request('GET', `/api/integrations/${name}`)).body.status === status, 10_000, `${name} to be ${status}`);
}
async function workflowRequiring(name: string) {
  const wf = await s.request('POST', '/api/workflows', {
    body: { definition: { name: `needs ${name}`, requires: [name], steps: [{ id: 'a', type: 'bash', command: 'true' }] } },
  });
  expect(wf.status, 'saving is never refused').toBe(201);
  return wf.body.id as string;
}
const schedule = (workflowId: string, enabled = true) => ({ workflowId, type: 'schedule', enabled, schedule: { cron: '0 * * * *', timezone: 'UTC' } });

describe('preflight', () => {
  beforeAll(async () => {
    await connect('gh-ready', ok);
    await connect('gh-degraded', broken);
    await connect('gh-error', ok, 'a-rejected-token');
    await connect('gh-pending', ok);
    await Promise.all([until('gh-ready', 'ready'), until('gh-degraded', 'degraded'), until('gh-error', 'error'), until('gh-pending', 'ready')]);
    // A just-created integration is `pending` until its first check starts; hold it there.
    s.app.db.prepare("UPDATE integrations SET status = 'pending' WHERE name = 'gh-pending'").run();
    await connect('gh-syncing', ok);
    await until('gh-syncing', 'ready');
    hanging.mode = 'hang';
    await s.request('PATCH', '/api/integrations/gh-syncing', { body: { config: { apiBaseUrl: hanging.url }, credentials: { token: GITHUB_TOKEN } } });
    await until('gh-syncing', 'syncing');
  });

  it.each(['gh-ready', 'gh-pending', 'gh-syncing', 'gh-degraded'])('%s counts as connected: runs start and triggers enable', async (name) => {
    expect((await s.request('GET', `/api/integrations/${name}`)).body.status).toBe(name.slice(3));
    const id = await workflowRequiring(name);
    const run = await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await s.request('POST', `/api/executions/${run.body.executionId}/cancel`);
    const trigger = await s.request('PUT', `/api/triggers/pf-${name}`, { body: schedule(id) });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
    expect(trigger.body.enabled).toBe(true);
  });

  it.each([
    ['gh-error', 'error', /credentials rejected/],
    ['gh-missing', 'missing', /not connected/],
  ])('%s refuses runs and enabling triggers with 422 integration_unavailable', async (name, status, reason) => {
    const id = await workflowRequiring(name);
    const run = await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    expect(run.status).toBe(422);
    expect(run.body.error).toMatchObject({ code: 'integration_unavailable', details: [{ name, status, reason: expect.stringMatching(reason) }] });
    expect(run.body.error.message).toMatch(status === 'missing' ? /connect it/ : /repair it/);

    const trigger = await s.request('PUT', `/api/triggers/pf-${name}`, { body: schedule(id) });
    expect(trigger.status).toBe(422);
    expect(trigger.body.error).toMatchObject({ code: 'integration_unavailable', details: [{ name, status }] });
    expect((await s.request('GET', `/api/triggers/pf-${name}`)).status).toBe(404);

    // A disabled trigger may be saved; firing it by hand meets the same check (recorded as a failed delivery).
    expect((await s.request('PUT', `/api/triggers/pf-${name}`, { body: schedule(id, false) })).status).toBe(200);
    const fired = await s.request('POST', `/api/triggers/pf-${name}/run`);
    expect(fired.status).toBe(422);
    expect(fired.body.error.code).toBe('integration_unavailable');
    const deliveries = (await s.request('GET', `/api/triggers/pf-${name}/deliveries`)).body.deliveries;
    expect(deliveries[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('integration_unavailable') });

    // Saving a workflow with an enabled trigger enables it: refused as a whole, nothing saved.
    const before = (await s.request('GET', '/api/workflows')).body.workflows.length;
    const withTrigger = await s.request('POST', '/api/workflows', {
      body: {
        definition: { name: 'with trigger', requires: [name], steps: [{ id: 'a', type: 'bash', command: 'true' }] },
        trigger: { key: `pf2-${name}`, type: 'schedule', schedule: { cron: '0 * * * *', timezone: 'UTC' } },
      },
    });
    expect(withTrigger.status).toBe(422);
    expect(withTrigger.body.error.code).toBe('integration_unavailable');
    expect((await s.request('GET', '/api/workflows')).body.workflows.length).toBe(before);
  });

  it('tool steps count as requirements too, and every problem is listed', async () => {
    const wf = await s.request('POST', '/api/workflows', {
      body: {
        definition: {
          name: 'two problems',
          requires: ['gh-error'],
          steps: [
            { id: 'a', type: 'tool', tool: 'nowhere:thing' },
            { id: 'b', type: 'tool', tool: 'workflows:list_workflows' },
          ],
        },
      },
    });
    expect(wf.status).toBe(201);
    const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
    expect(run.status).toBe(422);
    expect(run.body.error.details).toEqual([
      { name: 'gh-error', status: 'error', reason: expect.any(String) },
      { name: 'nowhere', status: 'missing', reason: 'not connected' },
    ]);
  });

  it('repairing the integration lets the run start', async () => {
    const id = await workflowRequiring('gh-error');
    expect((await s.request('POST', `/api/workflows/${id}/run`, { body: {} })).status).toBe(422);
    await s.request('PATCH', '/api/integrations/gh-error', { body: { credentials: { token: GITHUB_TOKEN } } });
    await until('gh-error', 'ready');
    const run = await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    expect(run.status).toBe(202);
    await s.request('POST', `/api/executions/${run.body.executionId}/cancel`);
  });
});
