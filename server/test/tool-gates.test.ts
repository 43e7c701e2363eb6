import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeIntegrations, type FakeIntegrations } from './helpers/fake-integrations';
import type { FakeMcpHttp } from './helpers/fake-mcp-http';
import type { FakeService } from './helpers/fake-services';
import { waitUntil } from './helpers/live-client';
import { minimalDefinition, startServer, testStore, type TestServer } from './helpers/server';

/**
 * The registry's rule, over every tool it holds (the 22 workflow tools and those of connected
 * integrations): a tool added later is covered as soon as it is registered — the test fails until
 * it has arguments below.
 */
let s: TestServer;
let integrations: FakeIntegrations;
let github: FakeService;
let slack: FakeService;
let mcp: FakeMcpHttp;
let sessionId: string;
let args: Record<string, unknown>;

beforeAll(async () => {
  // No periodic checks during the test: any state change seen must come from a tool call.
  s = await startServer({ config: { integrationCheckMs: 3_600_000 } });
  integrations = await connectFakeIntegrations(s);
  ({ github, slack, mcp } = integrations);

  sessionId = (await s.request('POST', '/api/sessions', { body: {} })).body.id;
  const wf = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Kept') } })).body;
  const executionId = (await s.request('POST', `/api/workflows/${wf.id}/run`, { body: {} })).body.executionId;
  args = {
    'workflows:list_workflows': {},
    'workflows:get_workflow': { id: wf.id },
    'workflows:sync_workflow': { definition: minimalDefinition('Never saved') },
    'workflows:update_workflow': { id: wf.id, definition: minimalDefinition('Never updated'), baseVersion: 1 },
    'workflows:delete_workflow': { id: wf.id },
    'workflows:rollback_workflow': { id: wf.id, version: 1 },
    'workflows:list_workflow_versions': { id: wf.id },
    'workflows:validate_workflow': { definition: minimalDefinition('Checked') },
    'workflows:draft_workflow': { prompt: 'every day at 9 run `df -h`' },
    'workflows:run_workflow': { id: wf.id },
    'workflows:list_executions': {},
    'workflows:get_execution': { id: executionId },
    'workflows:get_execution_steps': { id: executionId },
    'workflows:explain_execution': { id: executionId },
    'workflows:cancel_execution': { id: executionId },
    'workflows:approve_execution': { executionId },
    'workflows:deny_execution': { executionId },
    'workflows:list_triggers': {},
    'workflows:sync_trigger': { key: 'never', workflowId: wf.id, type: 'webhook', enabled: true },
    'workflows:delete_trigger': { key: 'never' },
    'workflows:list_workflow_proposals': {},
    'workflows:review_workflow_proposal': { id: 'prop_none', decision: 'accept' },
    'workflows:apply_workflow_proposal': { id: 'prop_none' },
    'gh:list_issues': {},
    'gh:get_issue': { number: 1 },
    'gh:create_comment': { number: 1, body: 'never sent' },
    'sl:send_message': { text: 'never sent' },
    'sl:list_messages': { channel: 'C1' },
    'sl:store_messages': { messages: [{ id: 'C1:1', channel: 'C1', ts: '1.0', text: 'never stored', at: '2025-01-01T00:00:00.000Z' }] },
    'remote:greet': { name: 'Ada' },
    'remote:multiply': { a: 6, b: 7 },
    'remote:erase': { id: 'r1' },
    'remote:label': { id: 'r1' },
  };
});
afterAll(async () => {
  await s.close();
  await integrations.close();
});

/**
 * Every trace a call could leave: each table's rows (the journal without the card's own events, not
 * the cards themselves, and not the audit trail, which records the card being asked for) and the
 * requests the services received.
 */
function traces() {
  const tables = (
    s.app.db
      .prepare(
        testStore() === 'postgres'
          ? // topic_heads is the journal's seq per topic: it moves with the card's own events. `servers`
            // holds this server's liveness row, refreshed as it ticks (cluster/server-liveness.ts).
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT IN ('events', 'topic_heads', 'tool_approvals', 'audit_log', 'servers') ORDER BY table_name"
          : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('events', 'tool_approvals', 'audit_log', 'servers') ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((t) => t.name);
  expect(tables).toEqual(
    expect.arrayContaining(['workflows', 'workflow_versions', 'executions', 'approvals', 'triggers', 'workflow_proposals', 'conversation_messages']),
  );
  const db = Object.fromEntries(
    tables.map((t) => [
      t,
      s.app.db
        .prepare(`SELECT * FROM "${t}"`)
        .all()
        .map((row) => JSON.stringify(row))
        .sort(),
    ]),
  );
  const events = s.app.db.prepare("SELECT topic, seq, type FROM events WHERE type NOT LIKE 'approval.%' ORDER BY topic, seq").all();
  return { db, events, github: github.requests.length, slack: slack.requests.length, mcp: [...mcp.calls] };
}

async function allTools(): Promise<{ name: string; effect: 'read' | 'write' | 'destructive'; destructive: boolean; allowedInWorkflows: boolean }[]> {
  return (await s.request('GET', '/api/tools')).body.tools;
}

describe('the assistant and the registry rule', () => {
  it('knows arguments for every registered tool (a new tool must be added here)', async () => {
    const names = (await allTools()).map((t) => t.name);
    expect(names.filter((n) => !(n in args))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(Object.keys(args)));
  });

  it('every tool that changes state, called by the assistant, waits for a card and leaves no trace until a person decides', async () => {
    const mutating = (await allTools()).filter((t) => t.effect !== 'read');
    expect(mutating.map((t) => t.name)).toEqual(
      expect.arrayContaining(['workflows:run_workflow', 'workflows:approve_execution', 'workflows:cancel_execution', 'sl:send_message', 'remote:erase']),
    );
    for (const tool of mutating) {
      const before = traces();
      const call = s.app.tools.call(tool.name, args[tool.name], { actor: 'assistant', sessionId }).then(
        () => ({ ran: true as const }),
        (err: { code?: string; message?: string }) => ({ ran: false as const, code: err.code, message: err.message }),
      );
      let card: any;
      await waitUntil(
        async () => {
          card = (await s.request('GET', `/api/approvals?status=pending&sessionId=${sessionId}`)).body.approvals.find(
            (a: any) => a.kind === 'tool' && a.tool.name === tool.name,
          );
          return card !== undefined;
        },
        5_000,
        `a card for ${tool.name}`,
      );
      expect(traces(), `${tool.name} ran before anyone approved it`).toEqual(before);
      const denied = await s.request('POST', `/api/approvals/${card.id}/decision`, { body: { decision: 'deny' } });
      expect(denied.status).toBe(200);
      expect(await call, tool.name).toEqual({ ran: false, code: 'tool_call_denied', message: `${tool.name} was denied by owner` });
      expect(traces(), `${tool.name} ran although it was denied`).toEqual(before);
    }
  });

  it('read-only tools run at once for the assistant, without a card, and really change nothing', async () => {
    const reads = (await allTools()).filter((t) => t.effect === 'read');
    expect(reads.map((t) => t.name)).toEqual(
      expect.arrayContaining(['workflows:list_workflows', 'workflows:get_execution', 'gh:list_issues', 'sl:list_messages', 'remote:greet']),
    );
    const cards = async () => (await s.request('GET', `/api/approvals?sessionId=${sessionId}`)).body.approvals.length;
    const before = await cards();
    for (const tool of reads) {
      const { db, events } = traces();
      // Awaited directly: a read that asked for a card would never settle and time the test out.
      const result = await s.app.tools.call(tool.name, args[tool.name], { actor: 'assistant', sessionId });
      expect(result, tool.name).toBeDefined();
      // A tool labelled `read` that writes would skip the card: what it stores must not change.
      expect({ db: traces().db, events: traces().events }, `${tool.name} is labelled read but changed state`).toEqual({ db, events });
    }
    expect(await cards()).toBe(before);
  });

  it('an approved card runs the call as the person who approved it', async () => {
    const call = s.app.tools.call('sl:send_message', { text: 'approved hello' }, { actor: 'assistant', sessionId });
    let card: any;
    await waitUntil(async () => {
      card = (await s.request('GET', `/api/approvals?status=pending&sessionId=${sessionId}`)).body.approvals.find(
        (a: any) => a.tool?.name === 'sl:send_message',
      );
      return card !== undefined;
    });
    expect(slack.requests.some((r) => r.body?.text === 'approved hello')).toBe(false);
    await s.request('POST', `/api/approvals/${card.id}/decision`, { body: { decision: 'approve' } });
    expect(await call).toMatchObject({ ok: true, via: 'api', channel: 'C1' });
    expect(slack.requests.filter((r) => r.body?.text === 'approved hello')).toHaveLength(1);
  });

  it('a card whose call went away or timed out is closed: either decision is 409 approval_closed', async () => {
    for (const [why, status] of [
      ['canceled', 'closed'],
      ['expired', 'expired'],
    ] as const) {
      const controller = new AbortController();
      const call = s.app.tools
        .call('workflows:run_workflow', args['workflows:run_workflow'], { actor: 'assistant', sessionId, signal: controller.signal })
        .catch((err: { code: string }) => err.code);
      let card: any;
      await waitUntil(async () => {
        card = (await s.request('GET', `/api/approvals?status=pending&sessionId=${sessionId}`)).body.approvals.find(
          (a: any) => a.tool?.name === 'workflows:run_workflow',
        );
        return card !== undefined;
      });
      if (why === 'canceled') controller.abort();
      else s.app.toolApprovals.expire(card.id);
      expect(await call).toBe('tool_call_denied');
      expect((await s.request('GET', `/api/approvals/${card.id}`)).body.status).toBe(status);
      for (const decision of ['approve', 'deny']) {
        const late = await s.request('POST', `/api/approvals/${card.id}/decision`, { body: { decision } });
        expect(late.status, `${why}/${decision}`).toBe(409);
        expect(late.body.error.code).toBe('approval_closed');
      }
    }
  });

  it('workflows: self-mutating tools and human gates are refused, destructive ones ask, the rest run', async () => {
    const gate = (name: string) => s.app.tools.gate(name, 'workflow')?.kind;
    for (const name of ['workflows:approve_execution', 'workflows:deny_execution', 'workflows:sync_workflow', 'workflows:delete_trigger'])
      expect(gate(name), name).toBe('refuse');
    for (const name of ['remote:erase', 'remote:label']) expect(gate(name), name).toBe('ask');
    for (const name of ['workflows:run_workflow', 'workflows:cancel_execution', 'sl:send_message', 'remote:greet']) expect(gate(name), name).toBe('run');
    // What GET /api/tools says agrees with what the registry does.
    for (const t of await allTools()) {
      expect(t.allowedInWorkflows, t.name).toBe(gate(t.name) !== 'refuse');
      if (t.allowedInWorkflows) expect(gate(t.name), t.name).toBe(t.destructive ? 'ask' : 'run');
    }
  });
});
