import { describe, expect, it } from 'vitest';
import type { Message } from '@weft/shared';
import { buildChatRenderPlan, type ChatRenderItem, type PlanApproval, type PlanStep } from './render-plan';

const T = (s: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, s)).toISOString();

function msg(id: string, s: number, extra: Partial<Message> & { text?: string } = {}): Message {
  const { text = id, ...rest } = extra;
  return { id, sessionId: 'ses_1', role: 'user', parts: [{ type: 'text', text }], status: 'complete', deltaSeq: 0, createdAt: T(s), ...rest };
}

function step(executionId: string, stepId: string, s: number, extra: Partial<PlanStep> = {}): PlanStep {
  return { executionId, stepId, iterationPath: '', attempt: 1, status: 'succeeded', startedAt: T(s), finishedAt: T(s + 1), ...extra };
}

const agentMsgs = ({
  exec,
  stepId,
  s,
  iterationPath,
  attempt = 1,
  reply = 'done',
  status = 'complete',
}: {
  exec: string;
  stepId: string;
  s: number;
  iterationPath?: string;
  attempt?: number;
  reply?: string;
  status?: Message['status'];
}) => {
  const bp = { executionId: exec, stepId, attempt, ...(iterationPath !== undefined ? { iterationPath } : {}) };
  const suffix = `${stepId}${iterationPath ?? ''}#${attempt}`;
  return [msg(`p_${suffix}`, s, { ...bp, text: `prompt ${suffix}` }), msg(`r_${suffix}`, s + 1, { ...bp, role: 'assistant', text: reply, status })];
};

/** A compact, readable picture of a plan: `kind key`. */
const shape = (plan: ChatRenderItem[]) =>
  plan.map((item) => {
    switch (item.kind) {
      case 'turn':
        return `turn ${item.message.id}`;
      case 'execution':
        return `${item.edge === 'end' ? 'end' : 'execution'} ${item.executionId}`;
      case 'agent_step':
        return `agent ${item.executionId}/${item.stepId}${item.iterationPath ? `@${item.iterationPath}` : ''}`;
      case 'step':
        return `step ${item.executionId}/${item.stepId}${item.iterationPath ? `@${item.iterationPath}` : ''}`;
      case 'approval':
        return `approval ${item.approval.id}`;
      default: {
        const never: never = item;
        return String(never);
      }
    }
  });

describe('buildChatRenderPlan', () => {
  it('keeps plain chat turns as turns, in order', () => {
    const plan = buildChatRenderPlan({ messages: [msg('u1', 1), msg('a1', 2, { role: 'assistant' }), msg('u2', 3)], steps: [] });
    expect(shape(plan)).toEqual(['turn u1', 'turn a1', 'turn u2']);
  });

  it('interleaves chat turns with the steps of two executions by time', () => {
    const messages = [
      msg('u1', 1, { text: 'run the report' }),
      msg('a1', 2, { role: 'assistant' }),
      ...agentMsgs({ exec: 'ex_a', stepId: 'summary', s: 11 }),
      msg('u2', 14, { text: 'and the other one' }),
      ...agentMsgs({ exec: 'ex_b', stepId: 'think', s: 21 }),
      msg('n_a', 30, { role: 'system', executionId: 'ex_a', stepId: 'tell', attempt: 1, text: 'Report sent' }),
    ];
    const steps = [step('ex_b', 'think', 20), step('ex_a', 'fetch', 5), step('ex_a', 'summary', 10), step('ex_b', 'probe', 24), step('ex_a', 'tell', 30)];
    const plan = buildChatRenderPlan({
      messages,
      steps,
      executions: [
        { id: 'ex_a', createdAt: T(4), finishedAt: T(31) },
        { id: 'ex_b', createdAt: T(19), finishedAt: null },
      ],
    });
    expect(shape(plan)).toEqual([
      'turn u1',
      'turn a1',
      'execution ex_a',
      'step ex_a/fetch',
      'agent ex_a/summary',
      'turn u2',
      'execution ex_b',
      'agent ex_b/think',
      'step ex_b/probe',
      'step ex_a/tell',
      'end ex_a',
    ]);
    const summary = plan.find((i) => i.key === 'step:ex_a:summary:');
    expect(summary).toMatchObject({ kind: 'agent_step', at: T(10), prompt: { id: 'p_summary#1' }, turns: [{ id: 'r_summary#1' }], previousAttempts: [] });
  });

  it('gives each loop iteration its own container, in iteration order', () => {
    const messages = [0, 1, 2].flatMap((i) =>
      agentMsgs({ exec: 'ex', stepId: 'summarise', s: 10 * (i + 1), iterationPath: `each[${i}]`, reply: `region ${i}` }),
    );
    const steps = [2, 0, 1].map((i) => step('ex', 'summarise', 10 * (i + 1) - 1, { iterationPath: `each[${i}]` }));
    const plan = buildChatRenderPlan({
      messages,
      steps: [...steps, step('ex', 'each', 8, { finishedAt: T(40) })],
      executions: [{ id: 'ex', createdAt: T(7), stepTypes: { each: 'loop', summarise: 'agent_prompt' } }],
    });
    expect(shape(plan)).toEqual(['execution ex', 'agent ex/summarise@each[0]', 'agent ex/summarise@each[1]', 'agent ex/summarise@each[2]']);
    const containers = plan.filter((i) => i.kind === 'agent_step');
    expect(new Set(containers.map((c) => c.key)).size).toBe(3);
    expect(containers.map((c) => (c.kind === 'agent_step' ? c.turns.map((t) => t.parts) : null))).toEqual(
      [0, 1, 2].map((i) => [[{ type: 'text', text: `region ${i}` }]]),
    );
  });

  it('collapses superseded turns: canceled ones within an attempt and every turn of earlier attempts', () => {
    const bp = (attempt: number) => ({ executionId: 'ex', stepId: 'ask', attempt });
    const messages = [
      msg('p1', 10, { ...bp(1), text: 'Q' }),
      msg('r1', 11, { ...bp(1), role: 'assistant', status: 'error', text: 'partial' }),
      msg('p2', 20, { ...bp(2), text: 'Q' }),
      msg('r2a', 21, {
        ...bp(2),
        role: 'assistant',
        status: 'canceled',
        text: 'cut off',
        parts: [
          { type: 'text', text: 'cut off' },
          { type: 'finish', reason: 'canceled' },
        ],
      }),
      msg('r2b', 22, { ...bp(2), role: 'assistant', text: 'Answer from b.' }),
    ];
    const steps = [step('ex', 'ask', 9, { status: 'failed', finishedAt: T(12) }), step('ex', 'ask', 19, { attempt: 2, finishedAt: T(23) })];
    const [item] = buildChatRenderPlan({ messages, steps });
    expect(item).toMatchObject({ kind: 'agent_step', at: T(9), attempt: 2, step: { attempt: 2, status: 'succeeded' }, prompt: { id: 'p2' } });
    if (item?.kind !== 'agent_step') throw new Error('expected a container');
    expect(item.turns.map((m) => m.id)).toEqual(['r2b']);
    expect(item.previousAttempts.map((m) => m.id)).toEqual(['r1', 'r2a']);
  });

  it('keeps a canceled turn nothing superseded (a canceled run) as the turn', () => {
    const messages = agentMsgs({ exec: 'ex', stepId: 'ask', s: 10, status: 'canceled' });
    const [item] = buildChatRenderPlan({ messages, steps: [step('ex', 'ask', 9, { status: 'canceled' })] });
    expect(item).toMatchObject({ kind: 'agent_step', turns: [{ id: 'r_ask#1', status: 'canceled' }], previousAttempts: [] });
  });

  it('exposes structured output of a succeeded agent step', () => {
    const output = {
      text: '{"severity":"high","count":3}',
      structured: { severity: 'high', count: 3 },
      model: 'claude-test',
      provider: 'anthropic',
      usage: { inputTokens: 1, outputTokens: 2 },
      attempts: 1,
    };
    const [item] = buildChatRenderPlan({ messages: agentMsgs({ exec: 'ex', stepId: 'triage', s: 10 }), steps: [step('ex', 'triage', 9, { output })] });
    expect(item).toMatchObject({ kind: 'agent_step', structured: { severity: 'high', count: 3 } });
    const [running] = buildChatRenderPlan({
      messages: agentMsgs({ exec: 'ex', stepId: 'triage', s: 10 }),
      steps: [step('ex', 'triage', 9, { status: 'running', finishedAt: null })],
    });
    expect(running).not.toHaveProperty('structured');
  });

  it('shows notify messages (system, with back-pointers) as notes on the step card', () => {
    const note = msg('n1', 12, { role: 'system', executionId: 'ex', stepId: 'tell', iterationPath: 'each[1]', attempt: 1, text: 'Deployed eu' });
    const plan = buildChatRenderPlan({ messages: [note], steps: [step('ex', 'tell', 11, { iterationPath: 'each[1]' })] });
    expect(plan).toEqual([expect.objectContaining({ kind: 'step', stepId: 'tell', iterationPath: 'each[1]', at: T(11), notes: [note] })]);
    // Before its step.updated arrives the note still shows, on a card of its own.
    expect(shape(buildChatRenderPlan({ messages: [note], steps: [] }))).toEqual(['step ex/tell@each[1]']);
  });

  it('puts an approval card where a step waits, and tool approvals where they were asked', () => {
    const waiting: PlanApproval = {
      id: 'apr_1',
      kind: 'step',
      executionId: 'ex',
      stepId: 'sign_off',
      iterationPath: '',
      requestedAt: T(31),
      status: 'pending',
    };
    const tool: PlanApproval = { id: 'tap_1', kind: 'tool', executionId: null, stepId: null, iterationPath: '', requestedAt: T(5), status: 'pending' };
    const plan = buildChatRenderPlan({
      messages: [msg('u1', 1), msg('a1', 4, { role: 'assistant' })],
      steps: [step('ex', 'work', 20), step('ex', 'sign_off', 30, { status: 'waiting', finishedAt: null })],
      approvals: [waiting, tool],
    });
    expect(shape(plan)).toEqual(['turn u1', 'turn a1', 'approval tap_1', 'step ex/work', 'approval apr_1']);
    expect(plan.at(-1)).toMatchObject({ key: 'step:ex:sign_off:', at: T(30), step: { status: 'waiting' } });
  });

  it('shows a known agent step before its first message, hides structural and unstarted steps', () => {
    const plan = buildChatRenderPlan({
      messages: [],
      steps: [
        step('ex', 'each', 10, { status: 'running', finishedAt: null }),
        step('ex', 'think', 11, { status: 'running', finishedAt: null }),
        step('ex', 'later', 0, { status: 'pending', startedAt: null, finishedAt: null }),
      ],
      executions: [{ id: 'ex', createdAt: T(9), stepTypes: { each: 'loop', think: 'agent_prompt', later: 'bash' } }],
    });
    expect(shape(plan)).toEqual(['execution ex', 'agent ex/think']);
    expect(plan[1]).toMatchObject({ prompt: null, turns: [], step: { status: 'running' } });
  });

  it('is stable: the order of the inputs does not matter, and later events never move earlier items', () => {
    const messages = [msg('u1', 1), msg('a1', 1, { role: 'assistant' }), ...agentMsgs({ exec: 'ex', stepId: 'think', s: 10 })];
    const steps = [
      step('ex', 'one', 5),
      step('ex', 'two', 5),
      step('ex', 'think', 9),
      step('ex', 'think', 9, { attempt: 1, status: 'running', finishedAt: null }),
    ];
    const first = shape(buildChatRenderPlan({ messages, steps }));
    expect(first).toEqual(['turn u1', 'turn a1', 'step ex/one', 'step ex/two', 'agent ex/think']);
    for (let i = 0; i < 5; i++) {
      const shuffled = [...steps].sort(() => (i % 2 === 0 ? 1 : -1));
      expect(shape(buildChatRenderPlan({ messages, steps: shuffled.reverse() }))).toEqual(first);
    }
    const later = buildChatRenderPlan({ messages: [...messages, msg('u2', 40)], steps: [...steps, step('ex', 'three', 35)] });
    expect(shape(later).slice(0, first.length)).toEqual(first);
    // A finished attempt wins over a running one of the same attempt, whatever the order.
    const think = buildChatRenderPlan({ messages, steps }).find((i) => i.kind === 'agent_step');
    expect(think).toMatchObject({ step: { status: 'succeeded' } });
  });
});
