import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fullDisk } from './faults/full-disk';
import { rawRequest } from './helpers/raw-http';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ config: { engineTickMs: 50 } });
});
afterAll(() => s.close());

const APP_SHAPE = { error: { code: expect.any(String), message: expect.any(String) } };

describe('every error in the app shape, whatever layer throws it', () => {
  it('a storage failure in a route: 503 storage_unavailable, /api/ready reports it, both recover with room', async () => {
    // No runner here: not ready for that alone, the database check passes.
    const noRunner = await s.request('GET', '/api/ready');
    expect(noRunner.status).toBe(503);
    expect(noRunner.body).toMatchObject({ error: { code: 'no_runner', details: { checks: { database: { ok: true }, runner: { ok: false } } } } });
    // It tells the state of storage: only to a caller with the token.
    expect((await s.request('GET', '/api/ready', { token: null })).status).toBe(401);
    const disk = fullDisk(s.app.db);
    disk.full();
    try {
      // Large enough to need new pages.
      const big = { ...minimalDefinition('Full'), description: 'x'.repeat(30_000) };
      const res = await s.request('POST', '/api/workflows', { body: { definition: big } });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'storage_unavailable', message: expect.stringContaining('the disk is full') } });
      const ready = await s.request('GET', '/api/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        error: { code: 'storage_unavailable', details: { reason: 'the disk is full', since: expect.any(String), checks: { database: { ok: false } } } },
      });
    } finally {
      disk.roomy();
    }
    expect((await s.request('GET', '/api/ready')).body).toMatchObject({ error: { code: 'no_runner', details: { checks: { database: { ok: true } } } } });
    expect((await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Room') } })).status).toBe(201);
  });

  it("a durability wait that fails in onSend: 503 in the app shape, not Fastify's", async () => {
    const { journal } = s.app;
    const durable = journal.durable;
    journal.durable = () => Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    try {
      const res = await s.request('GET', '/api/workflows');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'storage_unavailable', message: expect.stringContaining('the disk is full') } });
      expect(JSON.stringify(res.body)).not.toMatch(/SQLITE|statusCode/);
      // The error handler's own reply waits on the same hook: still the app's shape.
      const missing = await s.request('GET', '/api/workflows/wf_missing');
      expect(missing.status).toBe(503);
      expect(missing.body).toMatchObject({ error: { code: 'storage_unavailable' } });
    } finally {
      journal.durable = durable;
    }
  });

  it('a refused WebSocket upgrade and a missing static file', async () => {
    const anon = new WebSocket(`ws://127.0.0.1:${s.port}/ws/runner`);
    anon.on('error', () => {});
    const upgrade = await new Promise<{ status: number; body: string }>((resolve) =>
      anon.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
      }),
    );
    anon.terminate();
    expect(upgrade.status).toBe(401);
    expect(JSON.parse(upgrade.body)).toMatchObject(APP_SHAPE);
    const asset = await rawRequest(s.port, { method: 'GET', path: '/assets/nope.js' });
    expect(asset.status).toBe(404);
    expect(JSON.parse(asset.body)).toMatchObject(APP_SHAPE);
  });
});
