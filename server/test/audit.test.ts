import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell } from '../src/audit/csv';
import { hashToken } from '../src/people/api-tokens';
import { diskFullCode, fullDisk } from './faults/full-disk';
import { finishedExecution } from './helpers/executions';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, minimalDefinition, startServer, type TestServer } from './helpers/server';

/**
 * The audit trail through a real server (and a real runner where a run must happen): each change
 * leaves exactly one entry naming who did it, a refused change leaves none, secrets never show,
 * and only admins read it.
 */
const OWNER = { kind: 'user', id: 'owner', name: 'owner' };

/** A person with `role`, created directly in SQLite, and a personal token of theirs with `scopes`. */
function personWithToken(s: TestServer, { id, name, role, scopes }: { id: string; name: string; role: string; scopes: string[] }): string {
  const now = Date.now();
  s.app.db
    .prepare('INSERT INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, name, `${id}@example.com`, role, now, now);
  const token = `weft_pat_${id}_0123456789abcdef0123456789`;
  s.app.db
    .prepare('INSERT INTO api_tokens (id, user_id, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(`tok_${id}`, id, 'test', JSON.stringify(scopes), hashToken(token), now);
  return token;
}

const entries = async (s: TestServer, query: string) => {
  const res = await s.request('GET', `/api/audit?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.entries as any[];
};
/** Every entry about one target, oldest first. */
const about = async (s: TestServer, target: string) => (await entries(s, `target=${encodeURIComponent(target)}&limit=200`)).reverse();
const actions = (list: any[]) => list.map((e) => e.action);

describe('audit entries', () => {
  let s: TestServer;
  let runner: RunnerProcess;

  beforeAll(async () => {
    const dataDir = makeDataDir();
    s = await startServer({ dataDir, config: { engineTickMs: 50 } });
    runner = startRunner({ url: s.url, token: s.runnerToken, dataDir });
  });
  afterAll(async () => {
    await runner?.kill();
    await s?.close();
  });

  it('workflows: created, updated (bounded before/after), rolled back, imported, deleted; refused changes leave nothing', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Audited') } });
    const id = created.body.id as string;
    const invalid = await s.request('POST', '/api/workflows', { body: { definition: { name: 'Broken', steps: [{ id: 'x', type: 'nope' }] } } });
    expect(invalid.status).toBe(422);
    expect(await entries(s, 'action=workflow.created&actor=owner')).toHaveLength(1);

    const updated = await s.request('PUT', `/api/workflows/${id}`, { body: { definition: minimalDefinition('Audited v2'), baseVersion: 1 } });
    expect(updated.status).toBe(200);
    const stale = await s.request('PUT', `/api/workflows/${id}`, { body: { definition: minimalDefinition('Lost'), baseVersion: 1 } });
    expect(stale.status).toBe(409);
    expect((await s.request('POST', `/api/workflows/${id}/rollback`, { body: { version: 1 } })).status).toBe(200);
    expect((await s.request('POST', `/api/workflows/${id}/rollback`, { body: { version: 99 } })).status).toBe(404);
    expect((await s.request('DELETE', `/api/workflows/${id}`)).status).toBe(204);
    expect((await s.request('DELETE', `/api/workflows/${id}`)).status).toBe(404);

    const trail = await about(s, `workflow:${id}`);
    expect(actions(trail)).toEqual(['workflow.created', 'workflow.updated', 'workflow.rolled_back', 'workflow.deleted']);
    for (const e of trail) expect(e.actor).toEqual(OWNER);
    expect(trail[0].details).toMatchObject({ name: 'Audited', after: { version: 1, definition: { name: 'Audited' } } });
    expect(trail[1].details).toMatchObject({
      before: { version: 1, definition: { name: 'Audited' } },
      after: { version: 2, definition: { name: 'Audited v2' } },
    });
    expect(trail[2].details).toMatchObject({ fromVersion: 2, toVersion: 1, newVersion: 3 });

    // A large definition is kept as its size and hash, not copied.
    const big = { name: 'Big', steps: [{ id: 'say', type: 'bash', command: `echo ${'x'.repeat(20_000)}` }] };
    const bigWf = await s.request('POST', '/api/workflows', { body: { definition: big } });
    const [bigEntry] = await about(s, `workflow:${bigWf.body.id}`);
    expect(bigEntry.details.after.definition).toMatchObject({ truncated: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const imported = await s.request('POST', '/api/workflows/import', { body: { format: 'weft.workflow/1', definition: minimalDefinition('Imported') } });
    expect(imported.status).toBe(201);
    expect(actions(await about(s, `workflow:${imported.body.id}`))).toEqual(['workflow.imported']);
  });

  it('triggers: created, updated with before/after, run, deleted; a webhook secret never appears; runs name their schedule or webhook', async () => {
    const wf = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Hooked') } });
    const put = await s.request('PUT', '/api/triggers/audit-hook', {
      body: { workflowId: wf.body.id, type: 'webhook', webhook: { path: 'audit/hook', verify: 'weft' } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const secret = put.body.webhook.secret as string;
    expect(secret.length).toBeGreaterThan(10);
    const refused = await s.request('PUT', '/api/triggers/audit-hook', {
      body: { workflowId: 'wf_missing', type: 'webhook', webhook: { path: 'audit/hook' } },
    });
    expect(refused.status).toBe(422);
    await s.request('PUT', '/api/triggers/audit-hook', {
      body: { workflowId: wf.body.id, type: 'webhook', webhook: { path: 'audit/hook2', verify: 'weft', regenerateSecret: true } },
    });
    const run = await s.request('POST', '/api/triggers/audit-hook/run');
    expect(run.status).toBe(202);

    const unsigned = await s.request('PUT', '/api/triggers/audit-open', {
      body: { workflowId: wf.body.id, type: 'webhook', webhook: { path: 'audit/open', verify: 'none' } },
    });
    expect(unsigned.status, JSON.stringify(unsigned.body)).toBe(200);
    const fired = await s.request('POST', '/hooks/audit/open', { body: { hello: 'world' }, token: null });
    expect(fired.status, JSON.stringify(fired.body)).toBeLessThan(300);
    expect((await s.request('DELETE', '/api/triggers/audit-hook')).status).toBe(204);

    const trail = await about(s, 'trigger:audit-hook');
    expect(actions(trail)).toEqual(['trigger.created', 'trigger.updated', 'trigger.run', 'trigger.deleted']);
    expect(trail[0].details.after).toMatchObject({ key: 'audit-hook', type: 'webhook', webhook: { path: 'audit/hook', verify: 'weft', hasSecret: true } });
    expect(trail[1].details).toMatchObject({ before: { webhook: { path: 'audit/hook' } }, after: { webhook: { path: 'audit/hook2' } }, secretChanged: true });
    const started = await about(s, `execution:${run.body.executionId}`);
    expect(started).toMatchObject([{ action: 'execution.started', actor: OWNER, details: { workflowId: wf.body.id, trigger: 'manual' } }]);
    const byWebhook = (await entries(s, 'action=execution.started&actor=audit-open'))[0];
    expect(byWebhook).toMatchObject({ actor: { kind: 'webhook', id: 'audit-open', name: 'audit-open' }, details: { trigger: 'webhook' } });

    const everything = JSON.stringify(await entries(s, 'limit=200'));
    expect(everything).not.toContain(secret);
    const rotated = s.app.db.prepare<[], { webhook_secret: string }>("SELECT webhook_secret FROM triggers WHERE key = 'audit-open'").get();
    expect(rotated).toBeDefined();
  });

  it('runs: started, approval requested, canceled (closing the approval), re-run; through the real runner', async () => {
    const wf = await s.request('POST', '/api/workflows', {
      body: { definition: { name: 'Gated', steps: [{ id: 'gate', type: 'approval', message: 'Ship it?' }] } },
    });
    const run = await s.request('POST', `/api/workflows/${wf.body.id}/run`, { body: {} });
    const executionId = run.body.executionId as string;
    let approvalId = '';
    await waitUntil(
      async () => {
        const pending = (await s.request('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals;
        approvalId = pending[0]?.id ?? '';
        return approvalId !== '';
      },
      30_000,
      'the approval',
    );
    expect((await s.request('POST', `/api/executions/${executionId}/cancel`)).status).toBe(200);
    expect((await s.request('POST', `/api/executions/${executionId}/cancel`)).status).toBe(409);
    const rerun = await s.request('POST', `/api/executions/${executionId}/rerun`, { body: {} });
    expect(rerun.status).toBe(202);

    expect(await about(s, `execution:${executionId}`)).toMatchObject([
      { action: 'execution.started', actor: OWNER, details: { workflowId: wf.body.id, version: 1, trigger: 'manual' } },
      { action: 'execution.canceled', actor: OWNER },
    ]);
    expect(await about(s, `approval:${approvalId}`)).toMatchObject([
      { action: 'approval.requested', actor: { kind: 'system', name: 'engine' }, details: { executionId, stepId: 'gate', message: 'Ship it?' } },
      { action: 'approval.closed', actor: OWNER, details: { executionId, reason: expect.any(String) } },
    ]);
    expect(await about(s, `execution:${rerun.body.executionId}`)).toMatchObject([
      { action: 'execution.rerun', actor: OWNER, details: { rerunOf: executionId, trigger: 'rerun' } },
    ]);
    await s.request('POST', `/api/executions/${rerun.body.executionId}/cancel`);
    await finishedExecution(s, rerun.body.executionId);
  });

  it('tool approvals: requested and decided, with the deciding person; arguments are not copied', async () => {
    const { approvalId } = s.app.toolApprovals.request({ tool: 'workflows:delete_workflow', args: { apiKey: 'tool-arg-secret' }, message: 'Delete it?' });
    const decided = await s.request('POST', `/api/approvals/${approvalId}/decision`, { body: { decision: 'approve', comment: 'fine' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const trail = await about(s, `tool_approval:${approvalId}`);
    expect(trail).toMatchObject([
      { action: 'tool_approval.requested', details: { tool: 'workflows:delete_workflow', message: 'Delete it?' } },
      { action: 'tool_approval.decided', actor: OWNER, details: { decision: 'approve', comment: 'fine' } },
    ]);
    expect(JSON.stringify(trail)).not.toContain('tool-arg-secret');
  });

  it('integrations: created, updated, checked, deleted; provisioning refused leaves nothing; credentials never appear', async () => {
    const TOKEN = 'ghp_audit_credential_value_0123456789';
    const created = await s.request('POST', '/api/integrations', {
      body: { provider: 'github', name: 'audit-gh', config: { apiBaseUrl: 'http://127.0.0.1:9', owner: 'o', repo: 'r' }, credentials: { token: TOKEN } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const patched = await s.request('PATCH', '/api/integrations/audit-gh', { body: { credentials: { token: `${TOKEN}-2` } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await s.request('POST', '/api/integrations/audit-gh/check')).status).toBe(200);
    expect((await s.request('POST', '/api/integrations/audit-gh/provision')).status).toBe(409);
    expect((await s.request('DELETE', '/api/integrations/audit-gh')).status).toBe(204);

    const trail = await about(s, 'integration:audit-gh');
    expect(actions(trail)).toEqual(['integration.created', 'integration.updated', 'integration.checked', 'integration.deleted']);
    for (const e of trail) expect(e.actor).toEqual(OWNER);
    expect(trail[0].details).toMatchObject({ provider: 'github', credentialFields: ['token'] });
    expect(trail[1].details).toMatchObject({ credentialsChanged: true, credentialFields: ['token'] });
    expect(JSON.stringify(trail)).not.toContain(TOKEN);
  });

  it('filters, keyset pagination and clear 400s naming the parameter', async () => {
    const all = await entries(s, 'limit=200');
    expect(all.length).toBeGreaterThan(10);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));

    const workflowOnes = await entries(s, 'action=workflow.*&limit=200');
    expect(workflowOnes.length).toBeGreaterThan(0);
    expect(workflowOnes.every((e) => e.action.startsWith('workflow.'))).toBe(true);
    expect((await entries(s, 'target=trigger&limit=200')).every((e) => e.target.kind === 'trigger')).toBe(true);
    expect((await entries(s, 'actor=owner&limit=200')).every((e) => e.actor.id === 'owner')).toBe(true);
    expect(await entries(s, 'actor=&action=&target=')).toHaveLength(Math.min(50, all.length));

    // Pages of 3 walk the whole trail once, newest first.
    const walked: number[] = [];
    let before: number | null = null;
    do {
      const res = await s.request('GET', `/api/audit?limit=3${before === null ? '' : `&before=${before}`}`);
      walked.push(...res.body.entries.map((e: any) => e.id));
      before = res.body.nextBefore;
    } while (before !== null);
    expect(walked).toEqual(all.map((e) => e.id));

    for (const [query, param] of [
      ['action=DROP%20TABLE', 'action'],
      ['target=Workflow!', 'target'],
      ['before=abc', 'before'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
    ] as const) {
      const res = await s.request('GET', `/api/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining(param) });
    }
  });

  it('the CSV export: same filters, RFC 4180 quoting, formulas defused, an attachment', async () => {
    const token = personWithToken(s, { id: 'u_formula', name: '=HYPERLINK("http://evil","x"),1', role: 'editor', scopes: ['read', 'write'] });
    const wf = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('By formula') }, token });
    expect(wf.status).toBe(201);
    const res = await fetch(`${s.url}/api/audit.csv?actor=u_formula`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="weft-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('id,at,actor_kind,actor_id,actor_name,action,target_kind,target_id,details');
    expect(lines).toHaveLength(3); // header, the one entry, the final line end
    expect(lines[1]).toContain(`,user,u_formula,"'=HYPERLINK(""http://evil"",""x""),1",workflow.created,workflow,${wf.body.id},"{""name"":""By formula""`);
    expect((await fetch(`${s.url}/api/audit.csv?action=nope!`, { headers: { authorization: `Bearer ${s.token}` } })).status).toBe(400);
  });

  it('admins only: a viewer and an editor get 403 naming the missing scope', async () => {
    const viewer = personWithToken(s, { id: 'u_viewer', name: 'Vera', role: 'viewer', scopes: ['read'] });
    const editor = personWithToken(s, { id: 'u_editor', name: 'Eddie', role: 'editor', scopes: ['read', 'write', 'run'] });
    for (const token of [viewer, editor]) {
      for (const path of ['/api/audit', '/api/audit.csv']) {
        const res = await s.request('GET', path, { token });
        expect(res.status, path).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'forbidden', details: { missing: 'admin' } });
      }
    }
    // No route changes or deletes entries.
    for (const method of ['DELETE', 'PUT', 'PATCH', 'POST']) expect((await s.request(method, '/api/audit')).status).toBe(404);
  });

  it('never answers 500, whatever the query string (fuzzed)', async () => {
    const params = fc.constantFrom('actor', 'action', 'target', 'before', 'limit', 'other');
    const values = fc.oneof(fc.string(), fc.constantFrom('workflow.*', 'workflow:', ':', '*', '0', '-1', '1e3', '9007199254740993', 'a.b.*', '%00'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(params, values), { maxLength: 4 }), fc.boolean(), async (pairs, csv) => {
        const qs = new URLSearchParams(pairs).toString();
        const res = await s.request('GET', `/api/audit${csv ? '.csv' : ''}?${qs}`);
        expect(res.status, qs).toBeLessThan(500);
        if (res.status >= 400) expect(res.body.error.code).toBe('bad_request');
      }),
      { numRuns: 60 },
    );
  });
});

describe('a failed commit leaves no entry', () => {
  it('an execution started inside a group-commit batch that cannot commit (disk full): neither the run nor its entry exist', async () => {
    const s = await startServer();
    try {
      const wf = await s.request('POST', '/api/workflows', {
        body: { definition: { ...minimalDefinition('Full disk'), inputs: { text: { type: 'string' } } } },
      });
      const count = () => s.app.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM audit_log').get()!.n;
      const before = count();
      const { full, roomy } = fullDisk(s.app.db);
      full();
      let threw: unknown = null;
      let executionId: string | null = null;
      try {
        executionId = s.app.audit.actingAs({ kind: 'webhook', id: 'hook', name: 'hook' }, () =>
          s.app.journal.batched(() =>
            s.app.executions.start({
              workflowId: wf.body.id,
              inputs: { text: 'x'.repeat(20_000) },
              trigger: { type: 'webhook', key: 'hook' },
              startedBy: { kind: 'webhook', id: 'hook' },
            }),
          ),
        ).executionId;
        const durable = s.app.journal.durable();
        s.app.journal.commitNow();
        await durable;
      } catch (err) {
        threw = err;
      }
      expect(threw).toMatchObject({ code: diskFullCode(s.app.db) });
      roomy();
      expect(count()).toBe(before);
      if (executionId !== null) expect(s.app.db.prepare('SELECT id FROM executions WHERE id = ?').get(executionId)).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

describe('retention', () => {
  it('WEFT_AUDIT_RETENTION_DAYS: older entries go at start and then daily on the engine tick; 0 keeps them', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = { now: () => new Date(now) };
    const dataDir = makeDataDir();
    const s = await startServer({ dataDir, clock, env: { WEFT_AUDIT_RETENTION_DAYS: '2' } });
    await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Old') } });
    now += 1.5 * 86_400_000;
    await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Newer') } });
    now += 1 * 86_400_000;
    s.app.engine.tick();
    const names = (await entries(s, 'action=workflow.created')).map((e) => e.details.name);
    expect(names).toEqual(['Newer']);
    await s.close();

    // Kept forever with 0, even long after.
    now += 1000 * 86_400_000;
    const kept = await startServer({ dataDir, clock, env: { WEFT_AUDIT_RETENTION_DAYS: '0' } });
    kept.app.engine.tick();
    expect((await entries(kept, 'action=workflow.created')).map((e) => e.details.name)).toEqual(['Newer']);
    await kept.close();

    // And at start: a restart with a short retention prunes at once.
    const pruned = await startServer({ dataDir, clock, env: { WEFT_AUDIT_RETENTION_DAYS: '1' } });
    expect(await entries(pruned, 'action=workflow.created')).toEqual([]);
    await pruned.close();
  });

  it('a bad setting stops the start with the variable named', async () => {
    await expect(startServer({ env: { WEFT_AUDIT_RETENTION_DAYS: '-1' } })).rejects.toThrow(/WEFT_AUDIT_RETENTION_DAYS/);
  });
});

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['=A1,B1', `"'=A1,B1"`],
  ])('%j → %s', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });
  it('numbers and empty cells are as they are', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });
});
