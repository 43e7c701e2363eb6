import { describe, expect, it } from 'vitest';
import { askPerson, createWaitBudget } from '../../src/agent/ask';
import { MAX_CHECKPOINT_BYTES, readCheckpoint, saveCheckpoint } from '../../src/agent/checkpoint';
import type { ToolClient } from '../../src/llm/tool-client';
import { agentCheckpoint } from '../helpers/agent-checkpoint';
import { stepContext } from '../helpers/step-context';

const state = (content: string) => agentCheckpoint({ messages: [{ role: 'user', content }] });

describe('agent checkpoints', () => {
  it('saves a checkpoint that fits and skips one over 4 MiB', () => {
    const saved: unknown[] = [];
    const ctx = stepContext({ emitCheckpoint: (s) => saved.push(s) });
    expect(saveCheckpoint(ctx, state('small'))).toBe(true);
    expect(saveCheckpoint(ctx, state('x'.repeat(MAX_CHECKPOINT_BYTES)))).toBe(false);
    expect(saved).toEqual([state('small')]);
  });

  it('reads back what it saved, and nothing from a state of another shape', () => {
    expect(readCheckpoint(stepContext({ checkpoint: JSON.parse(JSON.stringify(state('hi'))) }))).toEqual(state('hi'));
    expect(readCheckpoint(stepContext({ checkpoint: { v: 1, messages: [] } }))).toBeNull();
    expect(readCheckpoint(stepContext({ checkpoint: 'garbage' }))).toBeNull();
    expect(readCheckpoint(stepContext())).toBeNull();
  });
});

describe('askPerson', () => {
  const client = (answers: Awaited<ReturnType<ToolClient['ask']>>[] | (() => never)): ToolClient & { waits: (number | undefined)[] } => {
    const waits: (number | undefined)[] = [];
    return {
      waits,
      list: async () => [],
      call: async () => ({ ok: true, result: null }),
      ask: async ({ waitMs }) => {
        waits.push(waitMs);
        if (typeof answers === 'function') return answers();
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next;
      },
    };
  };
  const input = { key: 'k', kind: 'tool' as const, tool: { name: 'workspace:bash', arguments: {} }, preview: {} };

  it('registers without waiting, then long polls through a server hiccup until a decision; an expired ask says so', async () => {
    const tools = client([
      { ok: true, response: { approvalId: 'tap_1', status: 'pending' } },
      { ok: false, error: 'HTTP 503', status: 503 },
      { ok: true, response: { approvalId: 'tap_1', status: 'pending' } },
      { ok: true, response: { approvalId: 'tap_1', status: 'expired' } },
    ]);
    let waiting = 0;
    const out = await askPerson({ tools, ctx: stepContext(), ...input, onWaiting: () => waiting++ });
    expect(out).toEqual({ status: 'expired', approvalId: 'tap_1' });
    expect(tools.waits).toEqual([0, 20_000, 20_000, 20_000]);
    expect(waiting).toBe(1);
  });

  it('a refused ask (4xx) fails the step for good; a closed one fails it', async () => {
    await expect(
      askPerson({ tools: client([{ ok: false, error: 'not yours', status: 403, code: 'lease_not_held' }]), ctx: stepContext(), ...input, onWaiting: () => {} }),
    ).rejects.toMatchObject({ name: 'NonRetriableStepError', code: 'lease_not_held' });
    await expect(
      askPerson({ tools: client([{ ok: true, response: { approvalId: 'tap_2', status: 'closed' } }]), ctx: stepContext(), ...input, onWaiting: () => {} }),
    ).rejects.toMatchObject({ code: 'ask_closed' });
  });
});

describe('askPerson: paused time', () => {
  const input = { key: 'k', kind: 'tool' as const, tool: { name: 'workspace:bash', arguments: {} }, preview: {} };
  const pending = { ok: true as const, response: { approvalId: 'tap_w', status: 'pending' as const } };

  it('fails the step for good once the attempt has waited its ceiling for people, summed over asks', async () => {
    let t = 0;
    const clock = () => t;
    // Each answer takes 1 s of the fake clock; after 10 answers a person would approve.
    let n = 0;
    const tools: ToolClient = {
      list: async () => [],
      call: async () => ({ ok: true, result: null }),
      ask: async () => {
        t += 1000;
        return ++n >= 10
          ? { ok: true, response: { approvalId: 'tap_w', status: 'approved', decision: { decidedBy: 'ana', comment: null, scope: 'once' } } }
          : pending;
      },
    };
    const told: number[] = [];
    const budget = createWaitBudget({ maxMs: 5_000, onPaused: (ms) => told.push(ms) });
    await expect(askPerson({ tools, ctx: stepContext(), ...input, onWaiting: () => {}, budget, now: clock })).rejects.toMatchObject({
      name: 'NonRetriableStepError',
      code: 'agent_limit_wait',
      message: expect.stringMatching(/over the 5 s an agent step may wait in all/),
    });
    // Told the paused time after each poll that left the step waiting (what a checkpoint then saves).
    expect(told).toEqual([0, 1000, 2000, 3000, 4000]);
    // The next ask of the same attempt has nothing left.
    n = 0;
    await expect(askPerson({ tools, ctx: stepContext(), ...input, onWaiting: () => {}, budget, now: clock })).rejects.toMatchObject({
      code: 'agent_limit_wait',
    });
  });

  it('starts from the paused time of earlier attempts (the checkpoint): the cap is per step instance', async () => {
    let t = 0;
    const tools: ToolClient = {
      list: async () => [],
      call: async () => ({ ok: true, result: null }),
      ask: async () => {
        t += 1000;
        return pending;
      },
    };
    const budget = createWaitBudget({ maxMs: 5_000, pausedMs: 3_500 });
    await expect(askPerson({ tools, ctx: stepContext(), ...input, onWaiting: () => {}, budget, now: () => t })).rejects.toMatchObject({
      code: 'agent_limit_wait',
      message: expect.stringMatching(/this step has waited \d+ s for people over its attempts, over the 5 s/),
    });
    // Two polls of 1 s went past the 1.5 s the earlier attempts had left.
    expect(t).toBe(3000);
  });

  it('runs the step clock while the server answers 5xx, backing off, and stops it again on pending', async () => {
    const clock: string[] = [];
    const ctx = stepContext({
      pauseTimeout: () => {
        clock.push('pause');
        return () => clock.push('resume');
      },
    });
    const answers = [pending, { ok: false as const, error: 'HTTP 503', status: 503 }, { ok: false as const, error: 'HTTP 502', status: 502 }, pending];
    const tools: ToolClient = {
      list: async () => [],
      call: async () => ({ ok: true, result: null }),
      ask: async () => {
        clock.push('ask');
        return (
          answers.shift() ?? { ok: true, response: { approvalId: 'tap_w', status: 'denied', decision: { decidedBy: 'ana', comment: 'no', scope: 'once' } } }
        );
      },
    };
    const out = await askPerson({ tools, ctx, ...input, onWaiting: () => {}, retryMs: 1 });
    expect(out.status).toBe('denied');
    expect(clock).toEqual(['ask', 'pause', 'ask', 'resume', 'ask', 'ask', 'pause', 'ask', 'resume']);
  });
});
