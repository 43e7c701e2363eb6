import { childBranches, evaluateCondition, hasIterationScope, stepKey, type CompletedStep, type Step } from '@weft/shared';
import { interruptedBeforeStart } from './attempts';
import type { BlockOutcome } from './block';
import { runConditional } from './conditional';
import type { Frame, RunContext } from './context';
import { serializeStepError } from './errors';
import { runLeafStep } from './leaf';
import { runLoop } from './loop';
import type { StepOutcome } from './outcomes';
import { recordStep } from './scope';
import { runApproval, runWait } from './waits';

/** One step instance being visited: the run, the step, and where it is. */
type StepVisit = { ctx: RunContext; step: Step; frame: Frame };

/** Runs steps in order in one frame; stops at the first step that fails for good, waits or is stopped. */
export async function runBlock({ ctx, steps, frame }: { ctx: RunContext; steps: readonly Step[]; frame: Frame }): Promise<BlockOutcome> {
  for (const step of steps) {
    await yieldIfLong();
    const outcome = await runStep({ ctx, step, frame });
    switch (outcome.type) {
      case 'succeeded':
      case 'skipped':
        continue;
      case 'failed':
      case 'waiting':
      case 'stopped':
        return outcome;
      default: {
        const unexpected: never = outcome;
        throw new Error(`unknown step outcome ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return { type: 'completed' };
}

/** How long steps that finish without waiting on I/O may run before the event loop gets a turn… */
const SLICE_MS = 2;
/** …once at least this many started in it: a short run of steps still leaves in one frame. */
const SLICE_STEPS = 64;
/** The current turn of the event loop, from the first step that ran in it; closed by an immediate. */
const slice = { open: false, start: 0, steps: 0 };
const closeSlice = () => {
  slice.open = false;
};

/**
 * Steps that complete at once (a `wait` already due, a condition, a restored step) chain on
 * microtasks and would hold the event loop for a whole long chain: frames would leave only at its
 * end, heartbeats and other executions would wait. After `SLICE_STEPS` and `SLICE_MS` in one turn the loop gets the
 * next, so the outbox sends what the chain emitted so far and the server stores it while the chain
 * goes on. A step in a fresh turn never waits.
 */
function yieldIfLong(): Promise<void> | undefined {
  const now = performance.now();
  if (!slice.open) {
    slice.open = true;
    slice.start = now;
    slice.steps = 1;
    setImmediate(closeSlice);
    return undefined;
  }
  if (++slice.steps < SLICE_STEPS || now - slice.start < SLICE_MS) return undefined;
  // The immediate that closes this slice was queued first: the chain resumes in a new one.
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One step instance: reuse what an earlier lease finished, evaluate `if`, then run it by type.
 * Records the result in the frame's scope so later steps can read it.
 */
export async function runStep({ ctx, step, frame }: StepVisit): Promise<StepOutcome> {
  const ref = { stepId: step.id, iterationPath: frame.iterationPath };
  const done = ctx.completed.get(stepKey(step.id, frame.iterationPath));
  if (done) return restoreCompleted({ ctx, step, frame }, done);
  if (frame.signal.aborted) return interruptedBeforeStart(frame.signal.reason, ref);

  if (step.if !== undefined) {
    let run: boolean;
    try {
      run = evaluateCondition(step.if, frame.scope);
    } catch (error) {
      return failWithoutRunning({ ctx, step, frame }, error);
    }
    if (!run) {
      skipStep({ ctx, step, frame }, { reason: `condition is false: ${step.if}`.slice(0, 2000), nestedReason: `step ${step.id} was skipped` });
      return { type: 'skipped' };
    }
  }

  const outcome = await runByType({ ctx, step, frame });
  if (outcome.type === 'succeeded') recordStep(frame.scope, step.id, { output: outcome.output, status: 'succeeded' });
  else if (outcome.type === 'failed') recordStep(frame.scope, step.id, { output: null, status: 'failed' });
  return outcome;
}

function runByType({ ctx, step, frame }: StepVisit): Promise<StepOutcome> {
  const runNested = (steps: readonly Step[], nested: Frame) => runBlock({ ctx, steps, frame: nested });
  switch (step.type) {
    case 'conditional':
      return runConditional({ ctx, step, frame, runBlock: runNested, skipSteps: (skip) => skipSteps({ ctx, ...skip }) });
    case 'loop':
      return runLoop({ ctx, step, frame, runBlock: runNested });
    case 'approval':
      return runApproval({ ctx, step, frame });
    case 'wait':
      return runWait({ ctx, step, frame });
    case 'bash':
    case 'notify':
    case 'http':
    case 'agent_prompt':
    case 'tool':
      return runLeafStep({ ctx, step, frame });
    default: {
      // Unreachable: `executeGrant` validated the definition before any step runs.
      const unexpected: never = step;
      throw new Error(`unknown step type ${JSON.stringify((unexpected as Step).type)}`);
    }
  }
}

/** Marks steps skipped, with everything nested in them; steps an earlier lease recorded are left alone. */
export function skipSteps({ ctx, steps, frame, reason }: { ctx: RunContext; steps: readonly Step[]; frame: Frame; reason: string }): void {
  for (const step of steps) skipStep({ ctx, step, frame }, { reason, nestedReason: reason });
}

function skipStep({ ctx, step, frame }: StepVisit, { reason, nestedReason }: { reason: string; nestedReason: string }): void {
  if (!ctx.completed.has(stepKey(step.id, frame.iterationPath))) {
    ctx.emit({ type: 'step.skipped', stepId: step.id, iterationPath: frame.iterationPath, reason });
  }
  recordStep(frame.scope, step.id, { output: null, status: 'skipped' });
  const branches = childBranches(step);
  if (branches.length === 0) return;
  // A loop that never ran an iteration: its body is marked at the loop's own level, outside any
  // iteration scope, so it never shows in the scope of the steps after it.
  const nested = hasIterationScope(step) ? { ...frame, scope: { ...frame.scope, steps: { ...frame.scope.steps } } } : frame;
  for (const { steps } of branches) skipSteps({ ctx, steps, frame: nested, reason: nestedReason });
}

/**
 * A step finished in an earlier lease: its record becomes the scope entry, without any event. A
 * finished conditional also restores its branches' entries, which later steps may read (a loop's
 * body lives in its iterations' scopes, read through the loop's own output).
 */
function restoreCompleted({ ctx, step, frame }: StepVisit, done: CompletedStep): StepOutcome {
  recordStep(frame.scope, step.id, { output: done.status === 'succeeded' ? done.output : null, status: done.status });
  if (!hasIterationScope(step)) {
    for (const child of childBranches(step).flatMap((branch) => branch.steps)) {
      const record = ctx.completed.get(stepKey(child.id, frame.iterationPath));
      if (record) restoreCompleted({ ctx, step: child, frame }, record);
      else recordStep(frame.scope, child.id, { output: null, status: 'skipped' });
    }
  }
  switch (done.status) {
    case 'succeeded':
      return { type: 'succeeded', output: done.output };
    case 'skipped':
      return { type: 'skipped' };
    case 'failed':
      return {
        type: 'failed',
        stepId: step.id,
        iterationPath: frame.iterationPath,
        error: done.error ?? { name: 'StepFailed', message: `step ${step.id} failed in an earlier attempt` },
      };
    default: {
      const unexpected: never = done.status;
      throw new Error(`unknown completed status ${String(unexpected)}`);
    }
  }
}

/** A step that cannot even start (its `if` could not be evaluated): one attempt, started and failed. */
function failWithoutRunning({ ctx, step, frame }: StepVisit, error: unknown): StepOutcome {
  const key = stepKey(step.id, frame.iterationPath);
  const attempt = (ctx.attempts.get(key) ?? 0) + 1;
  ctx.attempts.set(key, attempt);
  const ref = { stepId: step.id, iterationPath: frame.iterationPath };
  const serialized = serializeStepError(error);
  ctx.emit({ type: 'step.started', ...ref, attempt });
  ctx.emit({ type: 'step.failed', ...ref, attempt, error: serialized });
  recordStep(frame.scope, step.id, { output: null, status: 'failed' });
  return { type: 'failed', ...ref, error: serialized };
}
