import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

const clock = { at: new Date('2026-07-01T08:00:00Z'), now: () => clock.at };

let s: TestServer;
let workflowId: string;
beforeAll(async () => {
  s = await startServer({ clock });
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Target') } })).body.id;
});
afterAll(() => s.close());

const nightly = () => ({ workflowId, type: 'schedule', enabled: true, schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } });
const workflowCount = () => (s.app.db.prepare('SELECT COUNT(*) AS n FROM workflows').get() as { n: number }).n;

describe('triggers API', () => {
  it('PUT is an idempotent upsert: the same body twice is one trigger with one id', async () => {
    const first = await s.request('PUT', '/api/triggers/nightly', { body: nightly() });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^tr_/),
      key: 'nightly',
      workflowId,
      type: 'schedule',
      enabled: true,
      schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin', catchUp: 'latest', catchUpWindowSeconds: 86400, overlap: 'skip' },
      description: 'At 02:30 (Europe/Berlin)',
      nextRunAt: '2026-07-02T00:30:00.000Z',
      lastDelivery: null,
      createdAt: '2026-07-01T08:00:00.000Z',
      updatedAt: '2026-07-01T08:00:00.000Z',
    });
    clock.at = new Date('2026-07-01T08:05:00Z');
    const again = await s.request('PUT', '/api/triggers/nightly', { body: nightly() });
    expect(again.body).toEqual(first.body);
    const list = (await s.request('GET', '/api/triggers')).body.triggers;
    expect(list.filter((t: any) => t.key === 'nightly')).toEqual([first.body]);
    const events = (await s.request('GET', '/api/events?topic=trigger:nightly')).body.events;
    expect(events.map((e: any) => e.type)).toEqual(['trigger.updated']);

    const changed = await s.request('PUT', '/api/triggers/nightly', { body: { ...nightly(), schedule: { ...nightly().schedule, cron: '0 3 * * 1-5' } } });
    expect(changed.body).toMatchObject({
      id: first.body.id,
      description: 'At 03:00, Monday through Friday (Europe/Berlin)',
      updatedAt: '2026-07-01T08:05:00.000Z',
    });
    expect((await s.request('GET', '/api/events?topic=triggers')).body.events.at(-1)).toMatchObject({ type: 'trigger.updated', data: { key: 'nightly' } });
  });

  it('GET one, DELETE, then 404', async () => {
    await s.request('PUT', '/api/triggers/short-lived', { body: nightly() });
    expect((await s.request('GET', '/api/triggers/short-lived')).status).toBe(200);
    expect((await s.request('DELETE', '/api/triggers/short-lived')).status).toBe(204);
    expect((await s.request('GET', '/api/triggers/short-lived')).status).toBe(404);
    expect((await s.request('DELETE', '/api/triggers/short-lived')).status).toBe(404);
    expect((await s.request('GET', '/api/triggers/short-lived/deliveries')).status).toBe(404);
    expect((await s.request('GET', '/api/triggers/bad%20key')).status).toBe(400);
  });

  it('needs the token', async () => {
    expect((await s.request('GET', '/api/triggers', { token: null })).status).toBe(401);
    expect((await s.request('PUT', '/api/triggers/x', { body: nightly(), token: null })).status).toBe(401);
  });

  it.each([
    ['invalid cron', { schedule: { cron: '61 * * * *', timezone: 'UTC' } }, 422, 'invalid_trigger', 'schedule.cron'],
    ['cron that never fires', { schedule: { cron: '0 0 30 2 *', timezone: 'UTC' } }, 422, 'invalid_trigger', 'schedule.cron'],
    ['unknown timezone', { schedule: { cron: '* * * * *', timezone: 'Mars/Olympus_Mons' } }, 422, 'validation_failed', 'schedule.timezone'],
    ['bad catchUp', { schedule: { cron: '* * * * *', timezone: 'UTC', catchUp: 'some' } }, 422, 'validation_failed', 'schedule.catchUp'],
    ['schedule missing', { schedule: undefined }, 422, 'validation_failed', 'schedule'],
    ['webhook block on a schedule', { webhook: { path: 'x' } }, 422, 'validation_failed', 'webhook'],
    ['unknown field', { shedule: {} }, 422, 'validation_failed', '(root)'],
    ['unknown workflow', { workflowId: 'wf_nope' }, 422, 'invalid_trigger', 'workflowId'],
    ['bad inputs', { inputs: { nope: 1 } }, 422, 'invalid_trigger', 'inputs.nope'],
  ])('refuses %s with %i naming the field', async (_name, patch, status, code, field) => {
    const body = { ...nightly(), ...patch };
    const res = await s.request('PUT', '/api/triggers/refused', { body });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.startsWith(`${field}`)).toBe(true);
    expect((await s.request('GET', '/api/triggers/refused')).status).toBe(404);
  });

  it.each([
    ['a leading slash', '/hooks/x'],
    ['a dot-dot segment', 'a/../b'],
    ['a space', 'a b'],
    ['an empty segment', 'a//b'],
  ])('refuses a webhook path with %s', async (_name, path) => {
    const res = await s.request('PUT', '/api/triggers/badpath', { body: { workflowId, type: 'webhook', enabled: true, webhook: { path } } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^webhook\.path: /);
  });

  it('two triggers cannot share a webhook path', async () => {
    const body = { workflowId, type: 'webhook', enabled: true, webhook: { path: 'shared/path' } };
    expect((await s.request('PUT', '/api/triggers/owner', { body })).status).toBe(200);
    const res = await s.request('PUT', '/api/triggers/intruder', { body });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_trigger', message: 'webhook.path: /hooks/shared/path is already used by trigger "owner"' });
    // The owner may re-save it.
    expect((await s.request('PUT', '/api/triggers/owner', { body: { ...body, enabled: false } })).status).toBe(200);
  });

  it('checks inputs against the workflow and passes them to every run', async () => {
    const def = { ...minimalDefinition('With inputs'), inputs: { region: { type: 'string', required: true } } };
    const wf = (await s.request('POST', '/api/workflows', { body: { definition: def } })).body.id;
    const body = { workflowId: wf, type: 'webhook', enabled: true, webhook: { path: 'with/inputs' } };
    const missing = await s.request('PUT', '/api/triggers/inputs', { body });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toBe('inputs.region: input "region" is required');
    expect((await s.request('PUT', '/api/triggers/inputs', { body: { ...body, inputs: { region: 'eu' } } })).status).toBe(200);
    const run = await s.request('POST', '/api/triggers/inputs/run');
    expect(run.status).toBe(202);
    expect((await s.request('GET', `/api/executions/${run.body.executionId}`)).body).toMatchObject({
      inputs: { region: 'eu' },
      trigger: { type: 'manual', triggerKey: 'inputs' },
    });
  });

  it('records manual runs and pages deliveries newest first', async () => {
    await s.request('PUT', '/api/triggers/paged', { body: { workflowId, type: 'webhook', enabled: false, webhook: { path: 'paged' } } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await s.request('POST', '/api/triggers/paged/run')).body.deliveryId);
    const page1 = (await s.request('GET', '/api/triggers/paged/deliveries?limit=2')).body;
    expect(page1.deliveries.map((d: any) => d.id)).toEqual([ids[4], ids[3]]);
    expect(page1.deliveries[0]).toMatchObject({ kind: 'manual', status: 'started', triggerKey: 'paged', latencyMs: 0 });
    const page2 = (await s.request('GET', `/api/triggers/paged/deliveries?limit=2&before=${page1.nextBefore}`)).body;
    expect(page2.deliveries.map((d: any) => d.id)).toEqual([ids[2], ids[1]]);
    const page3 = (await s.request('GET', `/api/triggers/paged/deliveries?limit=2&before=${page2.nextBefore}`)).body;
    expect(page3).toEqual({ deliveries: [expect.objectContaining({ id: ids[0] })], nextBefore: null, counts: [] });
    expect((await s.request('GET', '/api/triggers/paged')).body.lastDelivery.id).toBe(ids[4]);
    expect((await s.request('GET', '/api/triggers/paged/deliveries?before=dl_nope')).status).toBe(400);
    expect((await s.request('GET', '/api/triggers/paged/deliveries?limit=0')).status).toBe(400);
    const events = (await s.request('GET', '/api/events?topic=trigger:paged')).body.events;
    expect(events.filter((e: any) => e.type === 'delivery.recorded')).toHaveLength(5);
  });
});

describe('workflows provisioned with their trigger', () => {
  it('POST /api/workflows with a trigger writes both', async () => {
    const res = await s.request('POST', '/api/workflows', {
      body: {
        definition: minimalDefinition('Provisioned'),
        trigger: { key: 'provisioned', type: 'schedule', schedule: { cron: '0 6 * * *', timezone: 'UTC' } },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.trigger).toMatchObject({ key: 'provisioned', workflowId: res.body.id, enabled: true });
    expect((await s.request('GET', '/api/triggers/provisioned')).body).toMatchObject({ workflowId: res.body.id, nextRunAt: expect.any(String) });
  });

  it.each([
    ['an invalid cron', { key: 'broken', type: 'schedule', schedule: { cron: 'every day', timezone: 'UTC' } }, 'trigger.schedule.cron'],
    ['an unknown timezone', { key: 'broken', type: 'schedule', schedule: { cron: '0 6 * * *', timezone: 'Nowhere/Land' } }, 'trigger.schedule.timezone'],
    ['a taken webhook path', { key: 'broken', type: 'webhook', webhook: { path: 'shared/path' } }, 'trigger.webhook.path'],
    ['a bad key', { key: 'has space', type: 'webhook', webhook: { path: 'free' } }, 'trigger.key'],
    ['a workflowId', { key: 'broken', workflowId: 'wf_x', type: 'webhook', webhook: { path: 'free' } }, 'trigger'],
  ])('an invalid trigger (%s) fails the whole create with 422 and no workflow', async (_name, trigger, field) => {
    const before = workflowCount();
    const res = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Never saved'), trigger } });
    expect(res.status).toBe(422);
    expect(res.body.error.message.startsWith(field)).toBe(true);
    expect(workflowCount()).toBe(before);
    expect((await s.request('GET', '/api/triggers/broken')).status).toBe(404);
  });

  it('PUT /api/workflows/:id with a trigger updates both, or neither', async () => {
    const created = (
      await s.request('POST', '/api/workflows', {
        body: { definition: minimalDefinition('Versioned'), trigger: { key: 'versioned', type: 'schedule', schedule: { cron: '0 6 * * *', timezone: 'UTC' } } },
      })
    ).body;
    const bad = await s.request('PUT', `/api/workflows/${created.id}`, {
      body: {
        definition: minimalDefinition('Versioned v2'),
        baseVersion: 1,
        trigger: { key: 'versioned', type: 'schedule', schedule: { cron: '0 25 * * *', timezone: 'UTC' } },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^trigger\.schedule\.cron: /);
    expect((await s.request('GET', `/api/workflows/${created.id}`)).body.version).toBe(1);
    const ok = await s.request('PUT', `/api/workflows/${created.id}`, {
      body: {
        definition: minimalDefinition('Versioned v2'),
        baseVersion: 1,
        trigger: { key: 'versioned', type: 'schedule', schedule: { cron: '0 7 * * *', timezone: 'UTC' } },
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ version: 2, trigger: { key: 'versioned', schedule: { cron: '0 7 * * *' } } });
    // A stale baseVersion refuses the workflow, and the trigger with it.
    const stale = await s.request('PUT', `/api/workflows/${created.id}`, {
      body: {
        definition: minimalDefinition('Versioned v3'),
        baseVersion: 1,
        trigger: { key: 'versioned', type: 'schedule', schedule: { cron: '0 8 * * *', timezone: 'UTC' } },
      },
    });
    expect(stale.status).toBe(409);
    expect((await s.request('GET', '/api/triggers/versioned')).body.schedule.cron).toBe('0 7 * * *');
  });

  it('the trigger tools use the same service', async () => {
    const tools = s.app.triggerTools!;
    const t = tools.upsert('from-tool', { workflowId, type: 'webhook', enabled: true, webhook: { path: 'from/tool' } }) as {
      key: string;
      webhook: object;
      note?: string;
    };
    expect(t.key).toBe('from-tool');
    // A generated secret is for the person at the screen, never for a tool transcript.
    expect(t.webhook).toMatchObject({ verify: 'weft', hasSecret: true });
    expect(t.webhook).not.toHaveProperty('secret');
    expect(t.note).toMatch(/New secret/);
    expect(s.app.triggers.repo.byKey('from-tool')!.webhook_secret).toMatch(/^whsec_/);
    expect((tools.list() as { key: string }[]).some((x) => x.key === 'from-tool')).toBe(true);
    tools.remove('from-tool');
    expect((await s.request('GET', '/api/triggers/from-tool')).status).toBe(404);
  });
});
