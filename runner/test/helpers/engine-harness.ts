import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { renderTemplate, type BashStep, type LeaseGrant } from '@weft/shared';
import { Engine } from '../../src/engine/engine';
import { silentLogger } from '../../src/log';
import { createStepRegistry, type StepRegistry } from '../../src/steps/registry';
import { notInThisTest, testNotifyStep } from './step-handlers';
import type { StepContext } from '../../src/steps/types';
import { makeGrant } from './grants';
import { MemorySink } from './memory-sink';

export type FakeBehaviour = (ctx: StepContext, step: BashStep) => Promise<unknown>;

/**
 * A registry whose `bash` runs no process: by default it renders `command` and returns
 * `{ out: <rendered> }`; per-step behaviours override that. Calls are counted per step instance.
 */
export function fakeRegistry(behaviours: Record<string, FakeBehaviour> = {}): { registry: StepRegistry; calls: string[] } {
  const calls: string[] = [];
  const registry = createStepRegistry({
    bash: {
      type: 'bash',
      run: async (ctx, step) => {
        calls.push(ctx.iterationPath ? `${ctx.stepId}@${ctx.iterationPath}` : ctx.stepId);
        const behaviour = behaviours[ctx.stepId];
        if (behaviour) return behaviour(ctx, step);
        return { out: renderTemplate(step.command, ctx.scope) };
      },
    },
    notify: testNotifyStep(),
    http: notInThisTest('http'),
    agent_prompt: notInThisTest('agent_prompt'),
    tool: notInThisTest('tool'),
  });
  return { registry, calls };
}

const tempDirs: string[] = [];
// Registered on the importing test file (modules are evaluated per file).
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-runner-test-'));
  tempDirs.push(dir);
  return dir;
}

/** Starts one grant on a fresh engine; `done` resolves when the engine is idle again. */
export function startGrant(
  definition: unknown,
  {
    registry = fakeRegistry().registry,
    grant = {},
    dataDir = tempDataDir(),
    graceMs,
  }: { registry?: StepRegistry; grant?: Partial<LeaseGrant>; dataDir?: string; graceMs?: number } = {},
) {
  const sink = new MemorySink();
  const engine = new Engine({ sink, registry, dataDir, logger: silentLogger, ...(graceMs === undefined ? {} : { graceMs }) });
  const leaseGrant = makeGrant(definition, grant);
  engine.start(leaseGrant);
  return { sink, engine, grant: leaseGrant, dataDir, done: engine.whenIdle() };
}

/** Runs one grant to its end. */
export async function runGrant(definition: unknown, options: Parameters<typeof startGrant>[1] = {}) {
  const started = startGrant(definition, options);
  await started.done;
  return started;
}
