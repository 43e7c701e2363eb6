import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExecution } from './helpers/fixtures';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const call = (name: string, args: unknown, extra: Record<string, unknown> = {}) =>
  s.request('POST', '/api/tools/call', { body: { name, arguments: args, ...extra } });

const SELF_MUTATING = [
  'sync_workflow',
  'update_workflow',
  'delete_workflow',
  'rollback_workflow',
  'sync_trigger',
  'delete_trigger',
  'review_workflow_proposal',
  'apply_workflow_proposal',
];
const HUMAN_GATES = ['approve_execution', 'deny_execution'];

describe('GET /api/tools', () => {
  it('lists the 23 workflow tools with JSON Schemas and flags', async () => {
    const res = await s.request('GET', '/api/tools');
    const names = res.body.tools.map((t: any) => t.name);
    expect(names.filter((n: string) => n.startsWith('workflows:'))).toHaveLength(23);
    const del = res.body.tools.find((t: any) => t.name === 'workflows:delete_workflow');
    expect(del).toMatchObject({
      effect: 'destructive',
      destructive: true,
      allowedInWorkflows: false,
      inputSchema: { type: 'object', properties: { id: expect.any(Object) }, required: ['id'] },
    });
    const byEffect = (effect: string) =>
      res.body.tools
        .filter((t: any) => t.effect === effect)
        .map((t: any) => t.name.split(':')[1])
        .sort();
    expect(byEffect('read')).toEqual([
      'draft_workflow',
      'explain_execution',
      'get_execution',
      'get_execution_steps',
      'get_workflow',
      'list_executions',
      'list_triggers',
      'list_workflow_proposals',
      'list_workflow_versions',
      'list_workflows',
      'validate_workflow',
    ]);
    expect(byEffect('write')).toEqual([
      'apply_workflow_proposal',
      'approve_execution',
      'cancel_execution',
      'deny_execution',
      'review_workflow_proposal',
      'run_workflow',
      'sync_trigger',
      'sync_workflow',
      'update_workflow',
    ]);
    const destructive = res.body.tools
      .filter((t: any) => t.destructive)
      .map((t: any) => t.name.split(':')[1])
      .sort();
    expect(destructive).toEqual(['delete_trigger', 'delete_workflow', 'rollback_workflow']);
    const inWorkflows = (await s.request('GET', '/api/tools?context=workflow')).body.tools.map((t: any) => t.name.split(':')[1]);
    for (const n of [...SELF_MUTATING, ...HUMAN_GATES]) expect(inWorkflows).not.toContain(n);
    expect(inWorkflows).toContain('run_workflow');
  });
});

describe('POST /api/tools/call', () => {
  it('delegates to the same services as the REST routes', async () => {
    const created = await call('workflows:sync_workflow', { definition: minimalDefinition('Via tool') });
    expect(created.status).toBe(200);
    const id = created.body.result.id;
    expect((await s.request('GET', `/api/workflows/${id}`)).body.definition.name).toBe('Via tool');
    const listed = await call('workflows:list_workflows', {});
    expect(listed.body.result).toContainEqual(expect.objectContaining({ id, name: 'Via tool', version: 1 }));
    const validated = await call('workflows:validate_workflow', { definition: { name: 'x', steps: [] } });
    expect(validated.body.result.ok).toBe(false);
    const run = await call('workflows:run_workflow', { id });
    expect(run.body.result.executionId).toMatch(/^ex_/);
    expect((await call('workflows:get_execution', { id: run.body.result.executionId })).body.result.trigger).toMatchObject({ type: 'tool', actor: 'user' });
    expect((await call('workflows:cancel_execution', { id: run.body.result.executionId })).body.result.status).toBe('canceled');
  });

  it('names the field of bad arguments, and 404s unknown tools', async () => {
    const bad = await call('workflows:get_workflow', { id: 42 });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'invalid_arguments', message: expect.stringContaining('id') });
    const extra = await call('workflows:list_workflows', { surprise: true });
    expect(extra.status).toBe(422);
    const unknown = await call('workflows:launch_rockets', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_tool');
  });

  it('refuses the 8 self-mutating tools and the 2 approval decisions inside a workflow execution, keeps reading and running', async () => {
    const session = s.app.sessions.createSession({});
    const { executionId, workflowId } = await seedExecution(s, { sessionId: session.id });
    for (const n of SELF_MUTATING) {
      const res = await call(`workflows:${n}`, {}, { context: { executionId } });
      expect(res.status, n).toBe(403);
      expect(res.body.error.code).toBe('tool_denied');
    }
    for (const n of HUMAN_GATES) {
      const res = await call(`workflows:${n}`, { executionId }, { context: { executionId } });
      expect(res.status, n).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'tool_denied', message: expect.stringContaining('only a person may decide an approval') });
    }
    expect((await call('workflows:get_workflow', { id: workflowId }, { context: { executionId } })).status).toBe(200);
    const run = await call('workflows:run_workflow', { id: workflowId }, { context: { executionId } });
    expect(run.status).toBe(200);
    await call('workflows:cancel_execution', { id: run.body.result.executionId }, { context: { executionId } });
    expect((await call('workflows:list_workflows', {}, { context: { executionId: 'ex_missing' } })).status).toBe(404);
  });

  it('stores proposals with a diff; review and apply make a new version', async () => {
    const created = (await call('workflows:sync_workflow', { definition: minimalDefinition('Proposed') })).body.result;
    const changed = { ...minimalDefinition('Proposed'), steps: [{ id: 'say', type: 'bash', command: 'echo changed' }] };
    const proposal = (await call('workflows:sync_workflow', { id: created.id, definition: changed, proposeOnly: true, summary: 'louder' })).body.result;
    expect(proposal).toMatchObject({
      status: 'open',
      baseVersion: 1,
      diff: [expect.objectContaining({ kind: 'step_changed', stepId: 'say', fields: ['command'] })],
    });
    expect((await s.request('GET', `/api/workflows/${created.id}`)).body.version).toBe(1);
    const listed = (await call('workflows:list_workflow_proposals', { workflowId: created.id })).body.result.proposals;
    expect(listed.map((p: any) => p.id)).toEqual([proposal.id]);
    expect((await call('workflows:apply_workflow_proposal', { id: proposal.id })).status).toBe(409);
    expect((await call('workflows:review_workflow_proposal', { id: proposal.id, decision: 'accept' })).body.result.status).toBe('accepted');
    const applied = (await call('workflows:apply_workflow_proposal', { id: proposal.id })).body.result;
    expect(applied.workflow).toMatchObject({ version: 2, definition: changed });
    expect((await call('workflows:review_workflow_proposal', { id: proposal.id, decision: 'reject' })).status).toBe(409);
  });
});
