import {
  WORKSPACE_TOOLS,
  scriptedTurn,
  type AgentPromptOutput,
  type AgentPromptStep,
  type ModelProvider,
  type ToolAskResponse,
  type TurnRequest,
} from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { MAX_PAUSED_MS } from '../../src/agent/ask';
import { AgentCheckpoint } from '../../src/agent/checkpoint';
import type { AgentWorkspace, AgentWorkspaces } from '../../src/agent/workspace-port';
import type { ToolClient } from '../../src/llm/tool-client';
import { createAgentPromptStep } from '../../src/steps/agent-prompt';
import type { WorkspaceSnapshotEvent as WorkspaceSnapshot } from '../../src/steps/types';
import { stepContext } from '../helpers/step-context';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };
const use = (id: string, name: string, input: unknown = {}): Block => ({ type: 'tool_use', id, name: name.replace(':', '__'), input });
const text = (t: string): Block => ({ type: 'text', text: t });

/** A model answering each turn with the next scripted content (or `script(n)`), 100 + 50 tokens a turn. */
function fakeModel(script: Block[][] | ((n: number) => Block[]), model = 'claude-sonnet-4-5') {
  const requests: TurnRequest[] = [];
  const provider: ModelProvider = {
    kind: 'anthropic',
    model,
    async turn(req) {
      requests.push({ ...req, messages: structuredClone(req.messages) });
      const n = requests.length - 1;
      const content = typeof script === 'function' ? script(n) : script[n];
      if (!content) throw new Error(`no turn ${n + 1} scripted`);
      return { ...scriptedTurn({ provider: 'anthropic', model, content, onEvent: req.onEvent }), usage: { inputTokens: 100, outputTokens: 50 } };
    },
  };
  return { provider, requests };
}

/** The server's side of tools and asks, in memory: asks are decided by `decide` on their second poll. */
function fakeServer({
  serverTools = [],
  decide = () => ({ status: 'approved', decision: { decidedBy: 'usr_ada', comment: null, scope: 'once' } }),
}: {
  serverTools?: { name: string; destructive: boolean }[];
  decide?: (key: string, name: string) => Omit<ToolAskResponse, 'approvalId'>;
} = {}) {
  const calls: { name: string; arguments: unknown; askApprovalId?: string }[] = [];
  const asks: { key: string; kind: string; name: string; preview: unknown; polls: number }[] = [];
  const client: ToolClient = {
    list: async () => serverTools.map((t) => ({ ...t, description: t.name, inputSchema: { type: 'object' } })),
    call: async ({ name, arguments: args, askApprovalId }) => {
      calls.push({ name, arguments: args, ...(askApprovalId ? { askApprovalId } : {}) });
      return { ok: true, result: { ran: name } };
    },
    ask: async ({ key, kind, tool, preview }) => {
      let ask = asks.find((a) => a.key === key);
      if (!ask) {
        ask = { key, kind, name: tool.name, preview, polls: 0 };
        asks.push(ask);
      }
      ask.polls++;
      const approvalId = `apr_${asks.indexOf(ask) + 1}`;
      if (ask.polls < 2) return { ok: true, response: { approvalId, status: 'pending' } };
      return { ok: true, response: { approvalId, ...decide(key, tool.name) } };
    },
  };
  return { client, calls, asks };
}

/** A workspace in memory: files in a map; every write shows up in the snapshot. */
function memoryWorkspace(files: Record<string, string> = {}) {
  const state = { files: { ...files }, changed: new Set<string>(), calls: [] as string[], released: false };
  const ws: AgentWorkspace = {
    key: 'path:/repo',
    tools: WORKSPACE_TOOLS,
    preview: async (name, input) => ({ path: (input as { path?: string }).path ?? '', ...(name === 'workspace:bash' ? { command: 'x' } : {}) }),
    call: async (name, input) => {
      state.calls.push(name);
      const i = input as { path: string; content?: string };
      if (name === 'workspace:write_file') {
        state.files[i.path] = i.content ?? '';
        state.changed.add(i.path);
        return { output: { path: i.path, bytes: (i.content ?? '').length, created: true, diff: '' }, isError: false, mutated: true };
      }
      if (name === 'workspace:read_file') {
        return { output: { path: i.path, content: state.files[i.path] ?? '' }, isError: false, mutated: false };
      }
      return { output: { exitCode: 0 }, isError: false, mutated: true };
    },
    report: async () => {
      const snapshot: WorkspaceSnapshot = {
        key: 'path:/repo',
        baseCommit: null,
        changedFiles: [...state.changed].sort(),
        diff: [...state.changed].map((f) => `+++ b/${f}\n`).join(''),
      };
      return { snapshot, changes: { ...snapshot, diff: snapshot.diff ?? '', diffTruncated: false } };
    },
    snapshotIfChanged: async () => (await ws.report()).snapshot,
    release: () => {
      state.released = true;
    },
  };
  const workspaces: AgentWorkspaces = { open: async () => ws };
  return { workspaces, state };
}

const step = (over: Partial<AgentPromptStep> = {}): AgentPromptStep => ({ id: 'step_one', type: 'agent_prompt', prompt: 'fix it', ...over }) as AgentPromptStep;

/** The tool results the model got back in its last request. */
const lastResults = (requests: TurnRequest[]) =>
  (requests.at(-1)!.messages.at(-1)!.content as { tool_use_id: string; content: string; is_error: boolean }[]).map((r) => ({
    id: r.tool_use_id,
    isError: r.is_error,
    output: JSON.parse(r.content),
  }));

describe('agent_prompt: tools, policy and asks', () => {
  it('offers server, workspace and ask_user tools by pattern; runs, snapshots and reports the changes', async () => {
    const model = fakeModel([
      [use('t1', 'workspace:write_file', { path: 'a.txt', content: 'hi' }), use('t2', 'workspace:read_file', { path: 'a.txt' })],
      [text('done')],
    ]);
    const server = fakeServer({
      serverTools: [
        { name: 'workflows:list_workflows', destructive: false },
        { name: 'github:list', destructive: false },
      ],
    });
    const { workspaces, state } = memoryWorkspace();
    const ctx = stepContext();
    const snapshots: WorkspaceSnapshot[] = [];
    const out = (await createAgentPromptStep({ model: model.provider, tools: server.client, workspaces }).run(
      { ...ctx, emitWorkspaceSnapshot: (s) => snapshots.push(s) },
      step({ workspace: { path: '/repo' }, tools: ['workspace:*', 'workflows:*', 'agent:*'] }),
    )) as AgentPromptOutput;
    const offered = model.requests[0]!.tools!.map((t) => t.name);
    expect(offered).toEqual(['workflows__list_workflows', ...WORKSPACE_TOOLS.map((t) => t.name.replace(':', '__')), 'agent__ask_user']);
    expect(state.calls).toEqual(['workspace:write_file', 'workspace:read_file']);
    expect(lastResults(model.requests)[1]!.output).toMatchObject({ content: 'hi' });
    // Only the write changed files: one snapshot.
    expect(snapshots).toEqual([{ key: 'path:/repo', baseCommit: null, changedFiles: ['a.txt'], diff: '+++ b/a.txt\n' }]);
    expect(out).toMatchObject({
      text: 'done',
      turns: 2,
      toolCalls: { total: 2, failed: 0, denied: 0 },
      changedFiles: ['a.txt'],
      workspace: { key: 'path:/repo', diff: '+++ b/a.txt\n', diffTruncated: false },
      usage: { inputTokens: 200, outputTokens: 100, costUsd: 0.0021 },
    });
    expect(state.released).toBe(true);
    // Without workspace patterns the default offers only the workflow tools.
    const plain = fakeModel([[text('ok')]]);
    await createAgentPromptStep({ model: plain.provider, tools: server.client }).run(stepContext(), step());
    expect(plain.requests[0]!.tools!.map((t) => t.name)).toEqual(['workflows__list_workflows']);
  });

  it('a step naming a workspace on a runner without workspaces fails for good', async () => {
    const model = fakeModel([[text('never')]]);
    await expect(
      createAgentPromptStep({ model: model.provider, tools: fakeServer().client }).run(stepContext(), step({ workspace: { shared: 'w' } })),
    ).rejects.toMatchObject({ name: 'NonRetriableStepError', code: 'workspace_unavailable' });
  });

  it('deny answers the agent with an error; a tool outside the patterns is refused and not run', async () => {
    const model = fakeModel([[use('t1', 'workspace:write_file', { path: 'a', content: '' }), use('t2', 'github:delete', {})], [text('gave up')]]);
    const server = fakeServer({ serverTools: [{ name: 'github:delete', destructive: true }] });
    const { workspaces, state } = memoryWorkspace();
    const ctx = stepContext({ operatorToolPolicy: { 'workspace:write_file': 'deny' } });
    const out = (await createAgentPromptStep({ model: model.provider, tools: server.client, workspaces }).run(
      ctx,
      step({ workspace: { path: '/r' }, tools: ['workspace:*'] }),
    )) as AgentPromptOutput;
    expect(state.calls).toEqual([]);
    expect(server.calls).toEqual([]);
    const [denied, unknown] = lastResults(model.requests);
    expect(denied).toMatchObject({ isError: true, output: { code: 'tool_denied_by_policy', denied: true } });
    expect(denied!.output.error).toMatch(/operator's tool policy \(workspace:write_file\)/);
    expect(unknown).toMatchObject({ isError: true, output: { code: 'tool_not_offered' } });
    expect(out.toolCalls).toEqual({ total: 2, failed: 1, denied: 1 });
  });

  it('ask: waits with the clock paused, a denial carries the comment back, "for the rest of this step" skips later asks', async () => {
    const model = fakeModel([
      [use('b1', 'workspace:bash', { command: 'rm -rf build' })],
      [use('b2', 'workspace:bash', { command: 'make' })],
      [use('b3', 'workspace:bash', { command: 'make test' }), use('d1', 'github:delete', { repo: 'x' })],
      [text('done')],
    ]);
    const server = fakeServer({
      serverTools: [{ name: 'github:delete', destructive: true }],
      decide: (key) =>
        key.endsWith('|b1')
          ? { status: 'denied', decision: { decidedBy: 'usr_ada', comment: 'not the build dir', scope: 'once' } }
          : { status: 'approved', decision: { decidedBy: 'usr_ada', comment: null, scope: key.endsWith('|b2') ? 'step' : 'once' } },
    });
    const { workspaces, state } = memoryWorkspace();
    let paused = 0;
    let resumed = 0;
    const ctx = stepContext({
      iterationPath: 'each[1]',
      pauseTimeout: () => {
        paused++;
        return () => resumed++;
      },
    });
    const out = (await createAgentPromptStep({ model: model.provider, tools: server.client, workspaces }).run(
      ctx,
      step({ workspace: { path: '/r' }, tools: ['workspace:*', 'github:*'] }),
    )) as AgentPromptOutput;
    expect(server.asks.map((a) => [a.key, a.kind])).toEqual([
      ['step_one|each[1]|b1', 'tool'],
      ['step_one|each[1]|b2', 'tool'],
      ['step_one|each[1]|d1', 'tool'],
    ]);
    expect(server.asks[0]!.preview).toEqual({ path: '', command: 'x', workspace: 'path:/repo' });
    expect(paused).toBe(3);
    expect(resumed).toBe(3);
    // b1 denied (not run), b2 approved for the step, b3 not asked; the destructive call approved once.
    expect(state.calls).toEqual(['workspace:bash', 'workspace:bash']);
    expect(server.calls).toEqual([{ name: 'github:delete', arguments: { repo: 'x' }, askApprovalId: 'apr_3' }]);
    const secondRequest = model.requests[1]!.messages.at(-1)!.content as { content: string; is_error: boolean }[];
    expect(secondRequest[0]!.is_error).toBe(true);
    expect(JSON.parse(secondRequest[0]!.content)).toMatchObject({ denied: true, comment: 'not the build dir', code: 'tool_denied_by_person' });
    expect(out.toolCalls).toEqual({ total: 4, failed: 0, denied: 1 });
    // The waiting call was shown as waiting while the person decided.
    const waiting = ctx.messages.filter((m) => m.op === 'delta' && JSON.stringify(m.delta).includes('"waiting"'));
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    // An approved call runs again as "running" before it ends.
    const statusesOf = (id: string) =>
      ctx.messages
        .map((m) => (m.op === 'delta' ? JSON.stringify(m.delta) : ''))
        .filter((delta) => delta.includes(`"id":"${id}"`))
        .map((delta) => delta.match(/"status":"(\w+)"/)?.[1])
        .filter((st, i, all) => st !== undefined && st !== all[i - 1]);
    expect(statusesOf('b2')).toEqual(['running', 'waiting', 'running', 'succeeded']);
    expect(statusesOf('b1')).toEqual(['running', 'waiting', 'failed']);
  });

  it('ask_user: the answer and who gave it go back to the agent', async () => {
    const model = fakeModel([[use('q1', 'agent:ask_user', { question: 'Which branch?' })], [text('ok')]]);
    const server = fakeServer({ decide: () => ({ status: 'approved', decision: { decidedBy: 'usr_bo', comment: 'main', scope: 'once' } }) });
    await createAgentPromptStep({ model: model.provider, tools: server.client }).run(stepContext(), step({ tools: ['agent:ask_user'] }));
    expect(server.asks[0]).toMatchObject({ kind: 'question', preview: { question: 'Which branch?' } });
    expect(lastResults(model.requests)[0]).toEqual({ id: 'q1', isError: false, output: { answer: 'main', answeredBy: 'usr_bo' } });
  });

  it('ask_user denied by the policy is refused without asking anyone', async () => {
    const model = fakeModel([[use('q1', 'agent:ask_user', { question: 'Which branch?' })], [text('ok')]]);
    const server = fakeServer();
    await createAgentPromptStep({ model: model.provider, tools: server.client }).run(
      stepContext(),
      step({ tools: ['agent:*'], toolPolicy: { 'agent:ask_user': 'deny' } }),
    );
    expect(server.asks).toEqual([]);
    expect(lastResults(model.requests)[0]).toMatchObject({ isError: true, output: { code: 'tool_denied_by_policy' } });
  });
});

describe('agent_prompt: limits, persona and meta', () => {
  it('a runaway agent ends at maxTurns with a message naming the limit', async () => {
    const model = fakeModel((n) => [use(`t${n}`, 'workspace:read_file', { path: 'a' })]);
    const { workspaces } = memoryWorkspace();
    const ctx = stepContext();
    await expect(
      createAgentPromptStep({ model: model.provider, tools: fakeServer().client, workspaces }).run(
        ctx,
        step({ workspace: { path: '/r' }, tools: ['workspace:*'], limits: { maxTurns: 3 } }),
      ),
    ).rejects.toMatchObject({ name: 'NonRetriableStepError', code: 'agent_limit_turns', message: expect.stringMatching(/3 .*limits\.maxTurns/) });
    expect(model.requests).toHaveLength(3);
    const completed = ctx.messages.filter((m) => m.op === 'complete' && m.key.endsWith(':1'));
    expect(completed).toEqual([expect.objectContaining({ status: 'error', finishReason: 'limit' })]);
  });

  it("stops once the tokens pass maxTokens, before running that turn's tools", async () => {
    const model = fakeModel((n) => [use(`t${n}`, 'workspace:read_file', { path: 'a' })]);
    const { workspaces, state } = memoryWorkspace();
    await expect(
      createAgentPromptStep({ model: model.provider, tools: fakeServer().client, workspaces }).run(
        stepContext(),
        step({ workspace: { path: '/r' }, tools: ['workspace:*'], limits: { maxTokens: 1000 } }),
      ),
    ).rejects.toMatchObject({ code: 'agent_limit_tokens', message: expect.stringMatching(/1050 tokens.*1000.*limits\.maxTokens/) });
    // 150 tokens a turn: the 7th turn crosses 1000; its call is not run.
    expect(model.requests).toHaveLength(7);
    expect(state.calls).toHaveLength(6);
  });

  it("puts the persona's system prompt before the step's and names the persona, model, usage and turns in the meta", async () => {
    const model = fakeModel([[text('hello')]], 'claude-haiku-4-5');
    const ctx = stepContext({ scope: { inputs: { repo: 'weft' }, steps: {}, trigger: null } as never });
    const out = (await createAgentPromptStep({ model: model.provider, tools: fakeServer().client }).run(
      ctx,
      step({ persona: { name: 'Fixer', system: 'You fix {{ inputs.repo }}.' }, system: 'Be brief.' }),
    )) as AgentPromptOutput;
    expect(model.requests[0]!.system).toBe('You fix weft.\n\nBe brief.');
    const create = ctx.messages.find((m) => m.op === 'create' && m.role === 'assistant');
    expect(create).toMatchObject({ meta: { persona: 'Fixer', model: 'claude-haiku-4-5', turn: 1, maxTurns: 20 } });
    const complete = ctx.messages.find((m) => m.op === 'complete' && m.key === create!.key);
    expect(complete).toMatchObject({ meta: { persona: 'Fixer', turns: 1, usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.00035 } } });
    expect(out.usage.costUsd).toBe(0.00035);
  });
});

describe('agent_prompt: checkpoints and resume', () => {
  it('checkpoints after every turn and tool call; a new attempt resumes without asking the model again or redoing finished calls', async () => {
    const turns = [
      [use('w1', 'workspace:write_file', { path: 'a.txt', content: 'one' }), use('w2', 'workspace:write_file', { path: 'b.txt', content: 'two' })],
      [text('both written')],
    ];
    const first = fakeModel(turns);
    const { workspaces, state } = memoryWorkspace();
    const saved: unknown[] = [];
    // The first attempt "crashes" (its signal aborts) while the second write runs.
    const ctx1 = stepContext({ emitCheckpoint: (s) => saved.push(structuredClone(s)) });
    const crashing: AgentWorkspaces = {
      open: async (c, spec) => {
        const ws = await workspaces.open(c, spec);
        return {
          ...ws,
          call: async (name, input, o) => {
            if ((input as { path: string }).path === 'b.txt') {
              ctx1.controller.abort(new Error('runner died'));
              throw new Error('runner died');
            }
            return ws.call(name, input, o);
          },
        };
      },
    };
    const s = step({ workspace: { path: '/r' }, tools: ['workspace:*'] });
    await expect(createAgentPromptStep({ model: first.provider, tools: fakeServer().client, workspaces: crashing }).run(ctx1, s)).rejects.toThrow(
      'runner died',
    );
    expect(saved.map((c) => AgentCheckpoint.parse(c).openRound?.length ?? null)).toEqual([0, 1]);
    const last = AgentCheckpoint.parse(saved.at(-1));
    expect(last).toMatchObject({ v: 1, turns: 1, toolCalls: { total: 1 }, usage: { inputTokens: 100, outputTokens: 50 } });

    const second = fakeModel([[text('both written')]]);
    const ctx2 = stepContext({ attempt: 2, checkpoint: saved.at(-1), emitCheckpoint: (c) => saved.push(structuredClone(c)) });
    const out = (await createAgentPromptStep({ model: second.provider, tools: fakeServer().client, workspaces }).run(ctx2, s)) as AgentPromptOutput;
    // One more request (the turn after the round), carrying both results; a.txt was written once.
    expect(second.requests).toHaveLength(1);
    expect(lastResults(second.requests).map((r) => r.id)).toEqual(['w1', 'w2']);
    expect(state.calls).toEqual(['workspace:write_file', 'workspace:write_file']);
    expect(state.files).toEqual({ 'a.txt': 'one', 'b.txt': 'two' });
    expect(out).toMatchObject({ turns: 2, toolCalls: { total: 2, failed: 0, denied: 0 }, usage: { inputTokens: 200, outputTokens: 100 }, attempts: 2 });
    expect(AgentCheckpoint.parse(saved.at(-1))).toMatchObject({ openRound: null, turns: 1, toolCalls: { total: 2 } });
  });

  it('a call the provider sent without an id keeps one ask key per turn, the same after a resume', async () => {
    const noId = (input: unknown) => ({ type: 'tool_use', name: 'workspace__bash', input }) as unknown as Block;
    const first = fakeModel([[noId({ command: 'rm -rf build' })], [noId({ command: 'rm -rf build' })], [text('done')]]);
    const { workspaces } = memoryWorkspace();
    const saved: unknown[] = [];
    const server = fakeServer();
    // The first attempt dies while the second turn's call runs.
    const ctx1 = stepContext({ emitCheckpoint: (c) => saved.push(structuredClone(c)) });
    let calls = 0;
    const crashing: AgentWorkspaces = {
      open: async (c, spec) => {
        const ws = await workspaces.open(c, spec);
        return {
          ...ws,
          call: async (name, input, o) => {
            if (++calls === 2) {
              ctx1.controller.abort(new Error('runner died'));
              throw new Error('runner died');
            }
            return ws.call(name, input, o);
          },
        };
      },
    };
    const s = step({ workspace: { path: '/r' }, tools: ['workspace:*'] });
    await expect(createAgentPromptStep({ model: first.provider, tools: server.client, workspaces: crashing }).run(ctx1, s)).rejects.toThrow('runner died');
    const keys = server.asks.map((a) => a.key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
    const second = fakeModel([[text('done')]]);
    const ctx2 = stepContext({ attempt: 2, checkpoint: saved.at(-1) });
    await createAgentPromptStep({ model: second.provider, tools: server.client, workspaces }).run(ctx2, s);
    // The in-flight call is asked for again under the key it had: the same card, not a new one.
    expect(server.asks.map((a) => a.key)).toEqual(keys);
  });

  it("time paused for people is the step instance's: saved in the checkpoint, during a long wait too, and a later attempt goes on from it", async () => {
    const model = fakeModel([[use('b1', 'workspace:bash', { command: 'make' })], [text('done')]]);
    const { workspaces } = memoryWorkspace();
    // A person who takes a while: three polls of 30 ms stay pending, the fourth approves.
    let polls = 0;
    const slow: ToolClient = {
      ...fakeServer().client,
      ask: async () => {
        polls++;
        if (polls > 1) await new Promise((r) => setTimeout(r, 30));
        return polls < 4
          ? { ok: true, response: { approvalId: 'apr_slow', status: 'pending' } }
          : { ok: true, response: { approvalId: 'apr_slow', status: 'approved', decision: { decidedBy: 'usr_ada', comment: null, scope: 'once' } } };
      },
    };
    const saved: AgentCheckpoint[] = [];
    const ctx = stepContext({ checkpoint: undefined, emitCheckpoint: (c) => saved.push(AgentCheckpoint.parse(structuredClone(c))) });
    const s = step({ workspace: { path: '/r' }, tools: ['workspace:*'] });
    await createAgentPromptStep({ model: model.provider, tools: slow, workspaces, pausedCheckpointEveryMs: 20 }).run(ctx, s);
    const [turn, ...rest] = saved;
    expect(turn).toMatchObject({ openRound: [], pausedMs: 0 });
    // While the person took their time the checkpoint was saved again: same conversation, more paused time.
    const during = rest.filter((c) => c.openRound?.length === 0);
    expect(during.length).toBeGreaterThanOrEqual(1);
    // ...and the counts of before the waiting call, which a resume runs (and counts) again.
    for (const c of during) expect({ messages: c.messages, toolCalls: c.toolCalls }).toEqual({ messages: turn!.messages, toolCalls: turn!.toolCalls });
    expect(during[0]!.pausedMs).toBeGreaterThanOrEqual(20);
    // The tool's result is checkpointed with the whole wait (three polls of at least 30 ms).
    const afterCall = rest.find((c) => c.openRound?.length === 1)!;
    expect(afterCall.pausedMs).toBeGreaterThanOrEqual(85);
    expect(saved.at(-1)!.pausedMs).toBe(afterCall.pausedMs);
  });

  it('a later attempt whose checkpoint says the step already waited 24 h fails at its first pending ask', async () => {
    const model = fakeModel([[use('b1', 'workspace:bash', { command: 'make' })], [text('done')]]);
    const server = fakeServer();
    const { workspaces, state } = memoryWorkspace();
    const checkpoint = {
      v: 1,
      messages: [{ role: 'user', content: 'fix it' }],
      openRound: null,
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
      turns: 0,
      toolCalls: { total: 0, failed: 0, denied: 0 },
      approvedForStep: [],
      pausedMs: MAX_PAUSED_MS,
    };
    const s = step({ workspace: { path: '/r' }, tools: ['workspace:*'] });
    await expect(
      createAgentPromptStep({ model: model.provider, tools: server.client, workspaces }).run(stepContext({ attempt: 2, checkpoint }), s),
    ).rejects.toMatchObject({ name: 'NonRetriableStepError', code: 'agent_limit_wait' });
    expect(server.asks).toHaveLength(1);
    expect(state.calls).toEqual([]);
  });

  it('an approval "for the rest of this step" survives a resume; a checkpoint of unknown shape is ignored', async () => {
    const model = fakeModel([[use('b9', 'workspace:bash', { command: 'make' })], [text('ok')]]);
    const server = fakeServer();
    const { workspaces } = memoryWorkspace();
    const checkpoint = {
      v: 1,
      messages: [{ role: 'user', content: 'fix it' }],
      openRound: null,
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
      turns: 0,
      toolCalls: { total: 0, failed: 0, denied: 0 },
      approvedForStep: ['workspace:bash'],
    };
    const s = step({ workspace: { path: '/r' }, tools: ['workspace:*'] });
    await createAgentPromptStep({ model: model.provider, tools: server.client, workspaces }).run(stepContext({ checkpoint }), s);
    expect(server.asks).toEqual([]);
    const fresh = fakeModel([[text('ok')]]);
    await createAgentPromptStep({ model: fresh.provider, tools: server.client, workspaces }).run(stepContext({ checkpoint: { v: 2, stuff: true } }), s);
    expect(fresh.requests[0]!.messages).toEqual([{ role: 'user', content: 'fix it' }]);
  });
});
