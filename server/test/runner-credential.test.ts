import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { rawRequest, upgradeStatus } from './helpers/raw-http';
import { makeDataDir, minimalDefinition, startServer, type TestServer } from './helpers/server';

/** Issue 14 §5: runners hold their own credential, good for /ws/runner and leased tool calls only. */

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');

async function leasedExecution(server: TestServer = s) {
  const runner = await connectFakeRunner(server.url, server.runnerToken);
  const wf = await server.request('POST', '/api/workflows', { body: { definition: minimalDefinition(`Leased ${Math.random()}`) } });
  const run = await server.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
  expect(run.status).toBe(202);
  const executionId = run.body.executionId as string;
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  return { runner, executionId, grant };
}

const callTool = (token: string, body: unknown, server: TestServer = s) => server.request('POST', '/api/tools/call', { token, body });

/** The system clock moved on by `skew` ms: lets a test step past the engine's start grace (one lease). */
function skewedClock() {
  const clock = { skew: 0, now: () => new Date(Date.now() + clock.skew) };
  return clock;
}

/** The three lease-checked routes, called under `lease`; returns each one's status and error code. */
async function leasedCalls(server: TestServer, lease: { executionId: string; runnerId: string; leaseAttempt: number }) {
  const context = { ...lease, stepId: 'say' };
  const answers = [
    await callTool(server.runnerToken, { name: 'workflows:list_workflows', context }, server),
    await server.request('POST', '/api/tools/ask', {
      token: server.runnerToken,
      body: { key: 'k1', kind: 'question', tool: { name: 'ask', arguments: {} }, waitMs: 0, context },
    }),
    await server.request('POST', '/api/tools/git-credential', {
      token: server.runnerToken,
      body: { context, integration: 'gh', url: 'https://github.com/acme/app.git' },
    }),
  ];
  return answers.map((a) => `${a.status} ${a.body?.error?.code ?? 'ok'}`);
}

describe('the runner credential', () => {
  it('is generated into <data dir>/runner-token (0600), differs from the access token, and survives a restart', async () => {
    const dataDir = makeDataDir();
    const a = await startServer({ dataDir });
    const file = path.join(dataDir, 'runner-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(a.runnerToken);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(a.runnerToken).not.toBe(a.token);
    expect(a.runnerToken.length).toBeGreaterThanOrEqual(32);
    await a.close();
    const b = await startServer({ dataDir });
    expect(b.runnerToken).toBe(a.runnerToken);
    await b.close();
  });

  it('is WEFT_RUNNER_TOKEN when set, which must differ from WEFT_TOKEN', async () => {
    const fixed = 'fixed-runner-token-0123456789';
    const f = await startServer({ env: { WEFT_RUNNER_TOKEN: fixed } });
    expect(f.runnerToken).toBe(fixed);
    expect((await upgradeStatus(f.port, { path: '/ws/runner', headers: { authorization: `Bearer ${fixed}` } })).status).toBe(101);
    await f.close();
    const same = 'the-same-token-0123456789';
    expect(() => loadConfig({ WEFT_TOKEN: same, WEFT_RUNNER_TOKEN: same })).toThrow(/WEFT_RUNNER_TOKEN=\[redacted\]: must differ from WEFT_TOKEN/);
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: 'short' })).toThrow(/WEFT_RUNNER_TOKEN=\[redacted\]: must be at least 16/);
  });

  it('opens /ws/runner; the access token does not', async () => {
    expect((await upgradeStatus(s.port, { path: '/ws/runner', headers: { authorization: `Bearer ${s.runnerToken}` } })).status).toBe(101);
    const user = await upgradeStatus(s.port, { path: '/ws/runner', headers: { authorization: `Bearer ${s.token}` } });
    expect(user.status).toBe(403);
    expect(JSON.parse(user.body).error).toMatchObject({ code: 'wrong_credential', message: expect.stringMatching(/runner credential/) });
    await expect(connectFakeRunner(s.url, s.token)).rejects.toThrow(/403/);
  });

  it('is refused on every other route, public ones included', async () => {
    const allowed = new Set(['GET /ws/runner', 'HEAD /ws/runner', 'POST /api/tools/call', 'POST /api/tools/ask', 'POST /api/tools/git-credential']);
    let checked = 0;
    for (const route of s.app.auth.routes) {
      if (allowed.has(`${route.method} ${route.url}`)) continue;
      const p = route.url === '/assets/*' ? '/assets/x.js' : concrete(route.url);
      const res = await rawRequest(s.port, { method: route.method, path: p, headers: { authorization: `Bearer ${s.runnerToken}` } });
      expect(res.status, `${route.method} ${route.url}`).toBe(403);
      if (route.method !== 'HEAD') expect(JSON.parse(res.body).error.code).toBe('wrong_credential');
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
    // Unknown paths and pages too: the runner credential opens nothing but its two routes.
    for (const p of ['/api/nope', '/chat']) {
      expect((await rawRequest(s.port, { path: p, headers: { authorization: `Bearer ${s.runnerToken}` } })).status, p).toBe(403);
    }
    expect((await upgradeStatus(s.port, { path: '/ws', headers: { authorization: `Bearer ${s.runnerToken}` } })).status).toBe(403);
  });

  it('lists the workflow tools over the runner socket instead of GET /api/tools', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    runner.send({ type: 'tools_list', id: 'tl1' });
    const answer = await runner.waitFor((f) => f.type === 'tools' && f.id === 'tl1');
    const names = answer.tools.map((t: { name: string }) => t.name);
    const expected = (await s.request('GET', '/api/tools?context=workflow')).body.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expected);
    expect(names).toContain('workflows:list_workflows');
    // Self-mutating tools are not for workflows.
    expect(names).not.toContain('workflows:update_workflow');
    expect(answer.tools[0]).toEqual({
      name: expect.any(String),
      description: expect.any(String),
      inputSchema: expect.any(Object),
      destructive: expect.any(Boolean),
    });
    runner.close();
  });
});

describe('POST /api/tools/call with the runner credential', () => {
  it('is allowed for an execution the calling runner leases now', async () => {
    const { runner, executionId, grant } = await leasedExecution();
    const res = await callTool(s.runnerToken, {
      name: 'workflows:list_workflows',
      context: { executionId, stepId: 'say', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, result: expect.anything() });
    // In workflow context: a self-mutating tool stays refused.
    const mutating = await callTool(s.runnerToken, {
      name: 'workflows:update_workflow',
      arguments: {},
      context: { executionId, runnerId: runner.runnerId, leaseAttempt: grant.attempt },
    });
    expect(mutating.status).toBe(403);
    expect(mutating.body.error.code).toBe('tool_denied');
    runner.close();
  });

  it('is refused (403 lease_not_held) for an execution it does not lease, another runner id, an old attempt or an expired lease', async () => {
    const { runner, executionId, grant } = await leasedExecution();
    const base = { name: 'workflows:list_workflows' };
    const refusals = [
      { executionId: 'exe_nope', runnerId: runner.runnerId, leaseAttempt: grant.attempt },
      { executionId, runnerId: 'rnr_someone_else', leaseAttempt: grant.attempt },
      { executionId, runnerId: runner.runnerId, leaseAttempt: grant.attempt + 1 },
      { executionId, runnerId: runner.runnerId },
    ];
    for (const context of refusals) {
      const res = await callTool(s.runnerToken, { ...base, context });
      expect(res.status, JSON.stringify(context)).toBe(403);
      expect(res.body.error.code).toBe('lease_not_held');
    }
    runner.close();
  });

  it('is refused (403 lease_not_held) once the lease expired after the start grace', async () => {
    // A lease expired by hand inside the start grace still holds (lease-grace.ts): step past the
    // grace first, on a server of its own so the other tests keep the real clock.
    const clock = skewedClock();
    const own = await startServer({ clock });
    try {
      const { runner, executionId, grant } = await leasedExecution(own);
      const context = { executionId, runnerId: runner.runnerId, leaseAttempt: grant.attempt };
      expect((await callTool(own.runnerToken, { name: 'workflows:list_workflows', context }, own)).status).toBe(200);
      clock.skew = own.app.config.leaseMs + 1;
      expect(own.app.engine.grace.inGrace(clock.now().getTime())).toBe(false);
      own.app.db.prepare('UPDATE executions SET lease_expires_at = ? WHERE id = ?').run(clock.now().getTime() - 1, executionId);
      const expired = await callTool(own.runnerToken, { name: 'workflows:list_workflows', context }, own);
      expect(expired.status).toBe(403);
      expect(expired.body.error.code).toBe('lease_not_held');
      runner.close();
    } finally {
      await own.close();
    }
  });

  it('keeps a lease from before a restart through the engine grace (tool call, ask, git credential), then refuses it', async () => {
    const dataDir = makeDataDir();
    const before = await startServer({ dataDir });
    const { runner, executionId, grant } = await leasedExecution(before);
    runner.close();
    await before.close();
    // The server was down for longer than the lease: its recorded expiry has passed at the restart.
    const clock = skewedClock();
    clock.skew = before.app.config.leaseMs + 1_000;
    const after = await startServer({ dataDir, clock });
    try {
      const lease = { executionId, runnerId: runner.runnerId, leaseAttempt: grant.attempt };
      const row = after.app.db.prepare('SELECT lease_expires_at FROM executions WHERE id = ?').get(executionId) as { lease_expires_at: number };
      expect(row.lease_expires_at).toBeLessThan(clock.now().getTime());
      // The engine keeps that lease through its grace, and so do the lease-checked routes: each one
      // answers past the lease check (the ask and the credential refuse for reasons of their own).
      expect(await leasedCalls(after, lease)).toEqual(['200 ok', '422 not_an_agent_step', '403 integration_not_in_workspace']);
      clock.skew += after.app.config.leaseMs;
      expect(await leasedCalls(after, lease)).toEqual(['403 lease_not_held', '403 lease_not_held', '403 lease_not_held']);
    } finally {
      await after.close();
    }
  });

  it('is refused without an execution context', async () => {
    const res = await callTool(s.runnerToken, { name: 'workflows:list_workflows' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'execution_context_required', message: expect.stringMatching(/^context:/) });
  });

  it("stays a person's call with the access token (no lease needed)", async () => {
    const res = await callTool(s.token, { name: 'workflows:list_workflows' });
    expect(res.status).toBe(200);
  });
});
