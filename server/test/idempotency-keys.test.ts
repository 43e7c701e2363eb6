import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fullDisk } from './faults/full-disk';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { addPerson } from './helpers/people';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

const DAY = 24 * 60 * 60 * 1000;

let s: TestServer;
let runner: FakeRunner | undefined;
afterEach(async () => {
  runner?.close();
  runner = undefined;
  await s?.close();
});

/** A clock the test moves: the keys' ages and retention's cutoffs both read it. */
function testClock(start = Date.parse('2026-03-01T10:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const keyed = (key: string) => ({ headers: { 'idempotency-key': key } });

async function workflowCount(): Promise<number> {
  return (await s.request('GET', '/api/workflows')).body.workflows.length;
}

async function runsOf(workflowId: string): Promise<string[]> {
  const res = await s.request('GET', `/api/executions?workflowId=${workflowId}&limit=100`);
  return res.body.executions.map((e: { id: string }) => e.id);
}

async function createWorkflow(name = 'Hello'): Promise<string> {
  const res = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition(name) } });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('Idempotency-Key', () => {
  it('POST /api/workflows twice with one key: one workflow, the second answer is the first one replayed', async () => {
    s = await startServer();
    const body = { definition: minimalDefinition('Once') };
    const first = await s.request('POST', '/api/workflows', { body, ...keyed('create-1') });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await s.request('POST', '/api/workflows', { body, ...keyed('create-1') });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await workflowCount()).toBe(1);
    // The same body in another key order is the same request.
    const reordered = await s.request('POST', '/api/workflows', {
      body: { definition: { steps: body.definition.steps, name: body.definition.name } },
      ...keyed('create-1'),
    });
    expect(reordered.status).toBe(201);
    expect(reordered.body.id).toBe(first.body.id);
    // Without a key, or with another, each request creates.
    expect((await s.request('POST', '/api/workflows', { body })).status).toBe(201);
    expect((await s.request('POST', '/api/workflows', { body, ...keyed('create-2') })).status).toBe(201);
    expect(await workflowCount()).toBe(3);
  });

  it("a replay leaves out a webhook's generated secret (shown once), and no table keeps it in clear", async () => {
    s = await startServer();
    const body = { definition: minimalDefinition('Hooked'), trigger: { key: 'hooked', type: 'webhook', enabled: true, webhook: { path: 'hooked' } } };
    const first = await s.request('POST', '/api/workflows', { body, ...keyed('hook-1') });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const secret: string = first.body.trigger.webhook.secret;
    expect(secret.length).toBeGreaterThan(8);
    const again = await s.request('POST', '/api/workflows', { body, ...keyed('hook-1') });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.trigger.webhook.secret).toBeUndefined();
    expect(again.body.trigger.webhook).toMatchObject({ secretWithheld: true, hasSecret: true, path: 'hooked' });
    const stored = s.app.db.prepare<[], string>('SELECT response FROM idempotency_keys').pluck().all();
    expect(stored.join('')).not.toContain(secret);
  });

  it('concurrent retries of one run: every answer names the same execution, and one run starts', async () => {
    s = await startServer({ config: { engineTickMs: 50 } });
    runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
    const id = await createWorkflow();
    const answers = await Promise.all(Array.from({ length: 8 }, () => s.request('POST', `/api/workflows/${id}/run`, { body: {}, ...keyed('run-a') })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    const ids = new Set(answers.map((a) => a.body.executionId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect(await runsOf(id)).toEqual([...ids]);
    // Without a key two requests are two runs.
    await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    expect(await runsOf(id)).toHaveLength(3);
  });

  it('a key sent again with another body, or to another route, is refused (422 idempotency_key_reused) and changes nothing', async () => {
    s = await startServer();
    const id = await createWorkflow();
    const first = await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: {} }, ...keyed('k') });
    expect(first.status).toBe(202);
    const otherBody = await s.request('POST', `/api/workflows/${id}/run`, { body: { inputs: {}, version: 1 }, ...keyed('k') });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.error).toMatchObject({
      code: 'idempotency_key_reused',
      message: expect.stringContaining('Idempotency-Key'),
      details: { route: 'POST /api/workflows/:id/run' },
    });
    const otherRoute = await s.request('POST', '/api/sessions', { body: {}, ...keyed('k') });
    expect(otherRoute.status).toBe(422);
    expect(otherRoute.body.error.code).toBe('idempotency_key_reused');
    expect((await s.request('GET', '/api/sessions')).body.sessions).toHaveLength(0);
    expect(await runsOf(id)).toEqual([first.body.executionId]);
  });

  it('a key that is not one printable ASCII value of 1 to 255 characters is refused (400 invalid_idempotency_key), before anything is written', async () => {
    s = await startServer();
    for (const key of ['', 'has space', 'x'.repeat(256), 'clé']) {
      const res = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition() }, headers: { 'idempotency-key': key } });
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_idempotency_key', message: expect.stringContaining('Idempotency-Key') });
    }
    expect(await workflowCount()).toBe(0);
    expect((await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition() }, ...keyed('x'.repeat(255)) })).status).toBe(201);
  });

  it("keys are a person's own: another person's same key runs their own request", async () => {
    s = await startServer();
    const id = await createWorkflow();
    const mine = await s.request('POST', `/api/workflows/${id}/run`, { body: {}, ...keyed('shared-key') });
    const bob = await addPerson(s, { name: 'Bob', email: 'bob@example.com', role: 'editor' });
    const res = await s.request('POST', `/api/workflows/${id}/run`, {
      token: null,
      headers: { cookie: bob.cookie, 'idempotency-key': 'shared-key' },
      body: {},
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(res.body.executionId).not.toBe(mine.body.executionId);
    expect(await runsOf(id)).toHaveLength(2);
  });

  it('every creating POST takes a key: sessions, messages, re-runs, trigger runs and imports answer a retry with their first answer', async () => {
    s = await startServer({ config: { engineTickMs: 50 } });
    runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 10 });
    const twice = async (path: string, body: unknown, key: string) => {
      const a = await s.request('POST', path, { body, ...keyed(key) });
      const b = await s.request('POST', path, { body, ...keyed(key) });
      expect(a.status, `${path}: ${JSON.stringify(a.body)}`).toBeLessThan(300);
      expect(b.status).toBe(a.status);
      expect(b.headers.get('idempotent-replayed'), path).toBe('true');
      expect(b.body).toEqual(a.body);
      return a.body;
    };
    const chat = await twice('/api/sessions', { title: 'Keyed' }, 'chat');
    expect((await s.request('GET', '/api/sessions')).body.sessions).toHaveLength(1);
    await twice(`/api/sessions/${chat.id}/messages`, { content: '/help' }, 'msg');
    const userMessages = async () =>
      (await s.request('GET', `/api/sessions/${chat.id}/messages`)).body.messages.filter((m: { role: string }) => m.role === 'user');
    expect(await userMessages()).toHaveLength(1);

    const id = await createWorkflow();
    const run = await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    await twice(`/api/executions/${run.body.executionId}/rerun`, {}, 'rerun');
    expect(await runsOf(id)).toHaveLength(2);

    const trigger = await s.request('PUT', '/api/triggers/keyed-schedule', {
      body: { workflowId: id, type: 'schedule', enabled: false, schedule: { cron: '0 9 * * *', timezone: 'UTC' } },
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
    await twice('/api/triggers/keyed-schedule/run', undefined, 'fire');
    expect(await runsOf(id)).toHaveLength(3);

    const exported = await s.request('GET', `/api/workflows/${id}/export`);
    await twice('/api/workflows/import', exported.body, 'import');
    expect(await workflowCount()).toBe(2);

    // "Fix with the assistant" on a canceled run: one new chat and one /fix message, then one re-run.
    const canceled = await s.request('POST', `/api/workflows/${id}/run`, { body: {} });
    expect((await s.request('POST', `/api/executions/${canceled.body.executionId}/cancel`)).status).toBe(200);
    const asked = await twice(`/api/executions/${canceled.body.executionId}/fixes`, {}, 'fix');
    expect((await s.request('GET', '/api/sessions')).body.sessions).toHaveLength(2);
    let fixId: string | undefined;
    await waitUntil(async () => {
      const fixes = (await s.request('GET', `/api/executions/${canceled.body.executionId}/fixes`)).body.fixes;
      fixId = fixes.find((f: { sessionId: string; status: string }) => f.sessionId === asked.sessionId && f.status !== 'diagnosing')?.id;
      return fixId !== undefined;
    });
    const before = (await runsOf(id)).length;
    await twice(`/api/fixes/${fixId}/rerun`, {}, 'fix-rerun');
    expect(await runsOf(id)).toHaveLength(before + 1);
  });

  it('an answer lost after its write committed (the client hung up): the retry gets that answer, and one run exists', async () => {
    s = await startServer();
    const id = await createWorkflow();
    const body = JSON.stringify({});
    // The whole request is sent, then the socket is closed before the answer can be read.
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(s.port, '127.0.0.1', () => {
        socket.end(
          [
            `POST /api/workflows/${id}/run HTTP/1.1`,
            'Host: 127.0.0.1',
            `Authorization: Bearer ${s.token}`,
            'Content-Type: application/json',
            'Idempotency-Key: lost-answer',
            `Content-Length: ${Buffer.byteLength(body)}`,
            '',
            body,
          ].join('\r\n'),
          () => socket.destroy(),
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await waitUntil(async () => (await runsOf(id)).length === 1, 5000, 'the hung-up request to start its run');
    const retry = await s.request('POST', `/api/workflows/${id}/run`, { body: {}, ...keyed('lost-answer') });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await runsOf(id)).toEqual([retry.body.executionId]);
  });

  it('a request whose write failed stores no answer: the retry with its key runs it, once', async () => {
    s = await startServer();
    const id = await createWorkflow();
    const disk = fullDisk(s.app.db);
    disk.full();
    // A full SQLite file still takes a write that fits its free pages: send until one is refused.
    const answered = new Map<string, { status: number; body: any }>();
    try {
      for (let n = 0; n < 200 && ![...answered.values()].some((a) => a.status === 503); n++) {
        const res = await s.request('POST', `/api/workflows/${id}/run`, { body: {}, ...keyed(`full-${n}`) });
        answered.set(`full-${n}`, res);
      }
    } finally {
      disk.roomy();
    }
    const [refusedKey, refused] = [...answered].find(([, a]) => a.status === 503)!;
    expect(refused.body.error.code).toBe('storage_unavailable');
    const accepted = [...answered].filter(([, a]) => a.status === 202);
    const retry = await s.request('POST', `/api/workflows/${id}/run`, { body: {}, ...keyed(refusedKey) });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const again = await s.request('POST', `/api/workflows/${id}/run`, { body: {}, ...keyed(refusedKey) });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.executionId).toBe(retry.body.executionId);
    expect((await runsOf(id)).sort()).toEqual([...accepted.map(([, a]) => a.body.executionId), retry.body.executionId].sort());
  });

  it('a key answers for a day: after that the same key is a new request, and retention forgets it (counted as idempotency_keys)', async () => {
    const clock = testClock();
    s = await startServer({ clock });
    const body = { definition: minimalDefinition() };
    const first = await s.request('POST', '/api/workflows', { body, ...keyed('daily') });
    await s.request('POST', '/api/workflows', { body, ...keyed('other') });
    clock.advance(DAY - 60_000);
    expect((await s.request('POST', '/api/workflows', { body, ...keyed('daily') })).body.id).toBe(first.body.id);
    clock.advance(2 * 60_000);
    const later = await s.request('POST', '/api/workflows', { body, ...keyed('daily') });
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
    // 'other' is past its day and goes; the new 'daily' stays.
    const run = await s.app.retention.run();
    expect(run.rows.idempotency_keys).toBe(1);
    const kept = await s.request('POST', '/api/workflows', { body, ...keyed('daily') });
    expect(kept.body.id).toBe(later.body.id);
    const forgotten = await s.request('POST', '/api/workflows', { body, ...keyed('other') });
    expect(forgotten.headers.get('idempotent-replayed')).toBeNull();
    expect(await workflowCount()).toBe(4);
  });
});
