import { toModelToolName } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic } from './helpers/fake-anthropic';
import { connectFakeIntegrations, type FakeIntegrations } from './helpers/fake-integrations';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/**
 * Every tool that changes state (the workflow tools and those of connected integrations), called
 * by the chat assistant the way a model calls it (a scripted tool_use from the fake Messages API): a
 * card is asked for, nothing happens before a person decides, a denial changes nothing and an
 * approval does what the tool says. A tool added later fails the first test until it has a case.
 */
let fake: FakeAnthropic;
let s: TestServer;
let runner: FakeRunner;
let integrations: FakeIntegrations;
let n = 0;
beforeAll(async () => {
  fake = await startFakeAnthropic();
  // No periodic integration checks: what the fake services receive comes from tool calls.
  s = await startServer({ env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url }, config: { integrationCheckMs: 3_600_000 } });
  runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
  integrations = await connectFakeIntegrations(s);
});
afterAll(async () => {
  runner.close();
  await s.close();
  await integrations.close();
  await fake.close();
});

/** A fresh call's arguments and a probe that says whether the call's effect has happened. */
type Case = () => Promise<{ args: Record<string, unknown>; happened(): Promise<boolean> }>;

const get = (path: string) => s.request('GET', path);
async function workflow(name = `Wf ${++n}`) {
  return (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition(name) } })).body as { id: string; version: number };
}
async function execution(workflowId: string) {
  return (await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} })).body.executionId as string;
}
const statusOf = async (executionId: string) => (await get(`/api/executions/${executionId}`)).body.status as string;

/** An execution waiting at an approval step, the fake runner reporting the gate. */
async function waitingAtGate() {
  const definition = {
    name: `Gated ${++n}`,
    steps: [
      { id: 'gate', type: 'approval', message: 'Go?', allowSelfApproval: true, timeoutSeconds: 3600 },
      { id: 'after', type: 'bash', command: 'true' },
    ],
  };
  const wf = (await s.request('POST', '/api/workflows', { body: { definition } })).body;
  const executionId = await execution(wf.id);
  await waitUntil(() => runner.grants.some((g) => g.executionId === executionId), 10_000, 'the lease');
  const grant = runner.grants.find((g) => g.executionId === executionId)!;
  await runner.events(grant, [
    { seq: 1, type: 'step.started', stepId: 'gate', iterationPath: '', attempt: 1 },
    {
      seq: 2,
      type: 'step.waiting',
      stepId: 'gate',
      iterationPath: '',
      attempt: 1,
      wait: {
        kind: 'approval',
        message: 'Go?',
        approvers: {},
        minApprovals: 1,
        allowSelfApproval: true,
        timeoutSeconds: 3600,
        onDeny: 'fail',
        onTimeout: 'fail',
      },
    },
  ]);
  const approvalOf = async () => (await get(`/api/approvals?executionId=${executionId}`)).body.approvals[0];
  return { executionId, decision: async () => (await approvalOf()).status as string };
}

async function proposal() {
  const wf = await workflow();
  const proposed = s.app.proposals.propose({ workflowId: wf.id, definition: minimalDefinition('Proposed'), proposedBy: 'assistant' });
  const current = async () => (await get(`/api/workflows/${wf.id}`)).body as { version: number; definition: { name: string } };
  return { id: proposed.id as string, workflowId: wf.id, current, status: () => s.app.proposals.list({ workflowId: wf.id })[0]!.status };
}

const cases: Record<string, Case> = {
  'workflows:sync_workflow': async () => {
    const name = `Synced ${++n}`;
    return {
      args: { definition: minimalDefinition(name) },
      happened: async () => (await get('/api/workflows')).body.workflows.some((w: any) => w.definition.name === name),
    };
  },
  'workflows:update_workflow': async () => {
    const wf = await workflow();
    return {
      args: { id: wf.id, definition: minimalDefinition('Updated'), baseVersion: wf.version },
      happened: async () => (await get(`/api/workflows/${wf.id}`)).body.definition.name === 'Updated',
    };
  },
  'workflows:delete_workflow': async () => {
    const wf = await workflow();
    return { args: { id: wf.id }, happened: async () => (await get(`/api/workflows/${wf.id}`)).status === 404 };
  },
  'workflows:rollback_workflow': async () => {
    const wf = await workflow('Version one');
    await s.request('PUT', `/api/workflows/${wf.id}`, { body: { definition: minimalDefinition('Version two'), baseVersion: 1 } });
    return { args: { id: wf.id, version: 1 }, happened: async () => (await get(`/api/workflows/${wf.id}`)).body.version === 3 };
  },
  'workflows:run_workflow': async () => {
    const wf = await workflow();
    return { args: { id: wf.id }, happened: async () => (await get(`/api/executions?workflowId=${wf.id}`)).body.executions.length === 1 };
  },
  'workflows:cancel_execution': async () => {
    const executionId = await execution((await workflow()).id);
    return { args: { id: executionId }, happened: async () => (await statusOf(executionId)) === 'canceled' };
  },
  'workflows:approve_execution': async () => {
    const gate = await waitingAtGate();
    return { args: { executionId: gate.executionId }, happened: async () => (await gate.decision()) === 'approved' };
  },
  'workflows:deny_execution': async () => {
    const gate = await waitingAtGate();
    return { args: { executionId: gate.executionId }, happened: async () => (await gate.decision()) === 'denied' };
  },
  'workflows:sync_trigger': async () => {
    const wf = await workflow();
    const key = `hook-${++n}`;
    return {
      args: { key, workflowId: wf.id, type: 'webhook', enabled: true, webhook: { path: key, verify: 'none' } },
      happened: async () => (await get(`/api/triggers/${key}`)).status === 200,
    };
  },
  'workflows:delete_trigger': async () => {
    const wf = await workflow();
    const key = `doomed-${++n}`;
    expect(
      (await s.request('PUT', `/api/triggers/${key}`, { body: { workflowId: wf.id, type: 'webhook', enabled: true, webhook: { path: key, verify: 'none' } } }))
        .status,
    ).toBe(200);
    return { args: { key }, happened: async () => (await get(`/api/triggers/${key}`)).status === 404 };
  },
  'workflows:review_workflow_proposal': async () => {
    const p = await proposal();
    return { args: { id: p.id, decision: 'accept' }, happened: async () => p.status() === 'accepted' };
  },
  'workflows:apply_workflow_proposal': async () => {
    const p = await proposal();
    s.app.proposals.review({ id: p.id, decision: 'accept', reviewer: 'owner' });
    return { args: { id: p.id }, happened: async () => (await p.current()).definition.name === 'Proposed' };
  },
  'gh:create_comment': async () => {
    const body = `comment ${++n}`;
    return {
      args: { number: 1, body },
      happened: async () => integrations.github.requests.some((r) => r.method === 'POST' && JSON.stringify(r.body).includes(body)),
    };
  },
  'sl:send_message': async () => {
    const text = `message ${++n}`;
    return { args: { text }, happened: async () => integrations.slack.requests.some((r) => JSON.stringify(r.body).includes(text)) };
  },
  'sl:store_messages': async () => {
    const text = `stored ${++n}`;
    const stored = () => JSON.stringify(s.app.db.prepare('SELECT * FROM conversation_messages').all()).includes(text);
    return { args: { messages: [{ id: `C1:${n}`, channel: 'C1', ts: `${n}.0`, text, at: '2026-01-01T00:00:00.000Z' }] }, happened: async () => stored() };
  },
  'remote:erase': async () => {
    const id = `r${++n}`;
    return { args: { id }, happened: async () => integrations.mcp.calls.includes(`erase ${id}`) };
  },
  'remote:label': async () => {
    const id = `r${++n}`;
    return { args: { id }, happened: async () => integrations.mcp.calls.includes(`label ${id}`) };
  },
};

/** The assistant's reply to one message, once it is no longer streaming. */
async function finalMessage(sessionId: string, messageId: string) {
  let msg: any;
  await waitUntil(
    async () => {
      msg = (await get(`/api/sessions/${sessionId}/messages`)).body.messages.find((m: any) => m.id === messageId);
      return msg !== undefined && msg.status !== 'streaming';
    },
    15_000,
    'the assistant reply',
  );
  return msg;
}

/** The model asks for `tool`; the person decides; returns the tool result the assistant stored. */
async function callThroughAssistant(tool: string, args: Record<string, unknown>, decide: 'approve' | 'deny', beforeDecision: () => Promise<void>) {
  const session = (await s.request('POST', '/api/sessions', { body: {} })).body;
  fake.setScript([
    { kind: 'stream', events: toolTurn([{ id: `toolu_${++n}`, name: toModelToolName(tool), input: args }]) },
    { kind: 'stream', events: textTurn('Done.') },
  ]);
  const posted = await s.request('POST', `/api/sessions/${session.id}/messages`, { body: { content: `please use ${tool}` } });
  expect(posted.status).toBe(202);
  let card: any;
  await waitUntil(
    async () => {
      card = (await get(`/api/approvals?status=pending&sessionId=${session.id}`)).body.approvals.find((a: any) => a.kind === 'tool');
      return card !== undefined;
    },
    10_000,
    `a card for ${tool}`,
  );
  expect(card.tool, tool).toEqual({ name: tool, arguments: args });
  await beforeDecision();
  expect((await s.request('POST', `/api/approvals/${card.id}/decision`, { body: { decision: decide } })).status).toBe(200);
  const msg = await finalMessage(session.id, posted.body.assistantMessageId);
  return msg.parts.find((p: any) => p.type === 'tool_result');
}

describe('mutating tools through the chat assistant', () => {
  it('has a case for every tool that changes state (a new tool must be added here)', async () => {
    const mutating = (await get('/api/tools')).body.tools.filter((t: any) => t.effect !== 'read').map((t: any) => t.name as string);
    expect(mutating.sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [tool, prepare] of Object.entries(cases)) {
    it(`${tool}: waits for a card; denied, nothing happens; approved, it happens`, async () => {
      const denied = await prepare();
      const deniedResult = await callThroughAssistant(tool, denied.args, 'deny', async () => {
        expect(await denied.happened(), `${tool} ran before anyone decided`).toBe(false);
      });
      expect(deniedResult, tool).toMatchObject({ isError: true, output: { error: expect.stringContaining('denied') } });
      expect(await denied.happened(), `${tool} ran although it was denied`).toBe(false);

      const approved = await prepare();
      const approvedResult = await callThroughAssistant(tool, approved.args, 'approve', async () => {
        expect(await approved.happened(), `${tool} ran before anyone decided`).toBe(false);
      });
      expect(approvedResult.isError, JSON.stringify(approvedResult.output)).toBeFalsy();
      expect(await approved.happened(), `${tool} did not do its work once approved: ${JSON.stringify(approvedResult)}`).toBe(true);
    });
  }
});
