import { describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/live-client';
import { makeDataDir, minimalDefinition, startServer } from './helpers/server';

// Webhook behaviour that needs a server of its own (closing it, or one listening beyond loopback),
// apart from triggers-webhooks.test.ts, whose tests share one server.
describe('webhooks ?wait= at shutdown', () => {
  it('a pending wait is answered 202 when the server closes, so shutdown does not hang', async () => {
    const own = await startServer();
    const wf = (await own.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Closing') } })).body.id;
    await own.request('PUT', '/api/triggers/closing', {
      body: { workflowId: wf, type: 'webhook', enabled: true, webhook: { path: 'closing', verify: 'none' } },
    });
    const pending = fetch(`${own.url}/hooks/closing?wait=300`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitUntil(() => (own.app.db.prepare('SELECT COUNT(*) AS n FROM executions').get() as { n: number }).n === 1);
    // A close that waited for the 300 s wait would outlast the test's timeout.
    await own.close();
    const res = await pending;
    expect(res.status).toBe(202);
  });
});

describe('webhooks on a server that listens beyond loopback', () => {
  it('refuses verify "none" (422 on save, 403 on call) unless WEFT_ALLOW_UNSIGNED_HOOKS=1', async () => {
    const dataDir = makeDataDir();
    const open = await startServer({ dataDir, env: { WEFT_ALLOW_UNSIGNED_HOOKS: '1' }, config: { host: '0.0.0.0' } });
    const wf = (await open.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Public') } })).body.id;
    const body = { workflowId: wf, type: 'webhook', enabled: true, webhook: { path: 'public', verify: 'none' } };
    expect((await open.request('PUT', '/api/triggers/public', { body })).status).toBe(200);
    expect((await fetch(`${open.url}/hooks/public`, { method: 'POST' })).status).toBe(202);
    await open.close();

    // The same data without the setting: the saved unsigned hook is refused, and cannot be saved again.
    const closed = await startServer({ dataDir, config: { host: '0.0.0.0' } });
    try {
      const call = await fetch(`${closed.url}/hooks/public`, { method: 'POST' });
      expect(call.status).toBe(403);
      expect(((await call.json()) as any).error).toMatchObject({ code: 'unsigned_hook', message: expect.stringContaining('WEFT_ALLOW_UNSIGNED_HOOKS=1') });
      const saved = await closed.request('PUT', '/api/triggers/public', { body });
      expect(saved.status).toBe(422);
      expect(saved.body.error).toMatchObject({ code: 'invalid_trigger', details: { errors: [{ path: 'webhook.verify' }] } });
      expect(saved.body.error.message).toMatch(/WEFT_ALLOW_UNSIGNED_HOOKS=1/);
      const viaWorkflow = await closed.request('POST', '/api/workflows', {
        body: { definition: minimalDefinition('Also public'), trigger: { key: 'also', type: 'webhook', webhook: { path: 'also', verify: 'none' } } },
      });
      expect(viaWorkflow.status).toBe(422);
      expect(viaWorkflow.body.error.details.errors[0].path).toBe('trigger.webhook.verify');
      // Signed is fine anywhere.
      const signed = await closed.request('PUT', '/api/triggers/public', { body: { ...body, webhook: { path: 'public' } } });
      expect(signed.body.webhook).toMatchObject({ verify: 'weft', secret: expect.any(String) });
    } finally {
      await closed.close();
    }
  });
});
