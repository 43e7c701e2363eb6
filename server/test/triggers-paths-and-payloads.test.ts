import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
let workflowId: string;
beforeAll(async () => {
  s = await startServer({ config: { leaseMs: 600_000, engineTickMs: 50 } });
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Disk report') } })).body.id;
  const saved = await s.request('PUT', '/api/triggers/disk-hook', {
    body: { workflowId, type: 'webhook', enabled: true, webhook: { path: 'ops/disk', verify: 'none' } },
  });
  expect(saved.status).toBe(200);
});
afterAll(() => s.close());

const post = (path: string, query = '') =>
  fetch(`${s.url}/hooks/${path}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"disk":"sda"}' });

describe('GET /api/triggers/webhook-paths/*', () => {
  it('names the workflow that owns a taken path', async () => {
    const res = await s.request('GET', '/api/triggers/webhook-paths/ops/disk');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ path: 'ops/disk', available: false, triggerKey: 'disk-hook', workflowId, workflowName: 'Disk report' });
  });

  it('a free path, and the edited trigger’s own path, are available', async () => {
    expect((await s.request('GET', '/api/triggers/webhook-paths/ops/free')).body).toEqual({ path: 'ops/free', available: true });
    expect((await s.request('GET', '/api/triggers/webhook-paths/ops/disk?exceptKey=disk-hook')).body).toEqual({ path: 'ops/disk', available: true });
  });

  it('an invalid path is a 400 naming the path', async () => {
    const res = await s.request('GET', '/api/triggers/webhook-paths/bad..%20x');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/\*/);
  });
});

describe('GET /api/triggers/:key/deliveries/:id/payload', () => {
  it('a test delivery’s payload is kept for its row; a started one comes from its run', async () => {
    const test = await post('ops/disk', '?test=1');
    expect(test.status).toBe(200);
    const { deliveryId, payload } = (await test.json()) as { deliveryId: string; payload: unknown };
    const shown = await s.request('GET', `/api/triggers/disk-hook/deliveries/${deliveryId}/payload`);
    expect(shown.body).toEqual({ deliveryId, source: 'test', payload });

    const started = await post('ops/disk');
    expect(started.status).toBe(202);
    const { executionId } = (await started.json()) as { executionId: string };
    const rows = (await s.request('GET', '/api/triggers/disk-hook/deliveries')).body.deliveries as { id: string; executionId?: string }[];
    const row = rows.find((d) => d.executionId === executionId)!;
    const fromRun = await s.request('GET', `/api/triggers/disk-hook/deliveries/${row.id}/payload`);
    expect(fromRun.body).toMatchObject({ deliveryId: row.id, source: 'execution', payload: { type: 'webhook', key: 'disk-hook', body: { disk: 'sda' } } });
  });

  it('a test delivery’s payload survives a restart of the server', async () => {
    const test = await post('ops/disk', '?test=1');
    const { deliveryId } = (await test.json()) as { deliveryId: string };
    await s.close();
    s = await startServer({ dataDir: s.dataDir, config: { leaseMs: 600_000, engineTickMs: 50 } });
    const shown = await s.request('GET', `/api/triggers/disk-hook/deliveries/${deliveryId}/payload`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ deliveryId, source: 'test', payload: expect.objectContaining({ body: { disk: 'sda' } }) });
  });

  it('an unknown delivery is a 404', async () => {
    const res = await s.request('GET', '/api/triggers/disk-hook/deliveries/dl_nope/payload');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
