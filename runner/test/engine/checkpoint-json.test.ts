import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/agent/checkpoint';
import { Outbox } from '../../src/connection/outbox';
import { Engine } from '../../src/engine/engine';
import { StepFailedError } from '../../src/engine/errors';
import { silentLogger } from '../../src/log';
import { createStepRegistry } from '../../src/steps/registry';
import type { StepContext, StepHandlers } from '../../src/steps/types';
import { agentCheckpoint } from '../helpers/agent-checkpoint';
import { tempDataDir } from '../helpers/engine-harness';
import { makeGrant, workflow } from '../helpers/grants';

/** Review of issue 20, "work done twice": an agent checkpoint is serialised once by the step and once into its frame. */

const isCheckpoint = (value: unknown): boolean => {
  const v = value as { v?: unknown; messages?: unknown; state?: unknown } | null;
  return (typeof v === 'object' && v !== null && v.v === 1 && Array.isArray(v.messages)) || (typeof v === 'object' && v !== null && isCheckpoint(v.state));
};

describe('an agent checkpoint on its way out', () => {
  it('is serialised twice (its size, its frame) and parsed only when a retry resumes from it', async () => {
    const state = agentCheckpoint({ messages: [{ role: 'user', content: 'x'.repeat(1000) }] });
    const seen: unknown[] = [];
    const counts = { stringify: 0, parse: 0 };
    const handlers = {
      agent_prompt: {
        type: 'agent_prompt',
        run: async (ctx: StepContext) => {
          seen.push(ctx.checkpoint);
          if (ctx.attempt > 1) return 'resumed';
          const { stringify, parse } = JSON;
          JSON.stringify = ((value: unknown, ...rest: unknown[]) => {
            if (isCheckpoint(value)) counts.stringify++;
            return (stringify as (...a: unknown[]) => string)(value, ...rest);
          }) as typeof JSON.stringify;
          JSON.parse = ((text: string, ...rest: unknown[]) => {
            if (text.startsWith('{"v":1')) counts.parse++;
            return (parse as (...a: unknown[]) => unknown)(text, ...rest);
          }) as typeof JSON.parse;
          try {
            expect(saveCheckpoint(ctx, state)).toBe(true);
          } finally {
            JSON.stringify = stringify;
            JSON.parse = parse;
          }
          throw new StepFailedError('the model is overloaded');
        },
      },
    } as unknown as StepHandlers;
    const frames: string[] = [];
    const outbox = new Outbox({
      send: (_frame, texts) => {
        frames.push(...texts);
        return true;
      },
      onLeaseLost: () => {},
      log: silentLogger,
    });
    const engine = new Engine({ sink: outbox, registry: createStepRegistry(handlers), dataDir: tempDataDir(), logger: silentLogger });
    const grant = makeGrant(workflow([{ id: 'fix', type: 'agent_prompt', prompt: 'Fix it', retry: { maxAttempts: 2, backoffSeconds: 0 } }]));
    engine.start(grant);
    await engine.whenIdle();

    expect(counts).toEqual({ stringify: 2, parse: 0 });
    // The retry resumes from a copy of what was saved, parsed when it starts.
    expect(seen).toEqual([undefined, state]);
    expect(seen[1]).not.toBe(state);
    outbox.setOnline();
    await new Promise((resolve) => setImmediate(resolve));
    const sent = frames.map((text) => JSON.parse(text)).find((event) => event.type === 'step.checkpoint');
    expect(sent).toMatchObject({ type: 'step.checkpoint', stepId: 'fix', attempt: 1, state });
  });
});
