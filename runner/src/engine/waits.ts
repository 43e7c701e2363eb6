import { STEP_CATALOGUE, effectiveApprovalPolicy, effectiveApprovalRules, renderTemplate, type ApprovalStep, type WaitStep } from '@weft/shared';
import { runAttempts, type AttemptResult } from './attempts';
import type { Frame, RunContext } from './context';
import { truncate } from './errors';
import type { StepOutcome } from './outcomes';

const MAX_APPROVAL_MESSAGE = 20_000;

/**
 * Hands the execution back to the server until someone decides: `step.waiting { approval }`. The
 * server journals the decision as the step's result and grants the execution again.
 */
export function runApproval({ ctx, step, frame }: { ctx: RunContext; step: ApprovalStep; frame: Frame }): Promise<StepOutcome> {
  return runServerTimed({ ctx, step, frame }, () => {
    const { onDeny, onTimeout } = effectiveApprovalPolicy(step);
    const message = truncate(renderTemplate(step.message, frame.scope), MAX_APPROVAL_MESSAGE);
    const timeoutSeconds = step.timeoutSeconds ?? STEP_CATALOGUE.approval.defaultTimeoutSeconds ?? 7 * 24 * 60 * 60;
    return {
      type: 'waiting',
      wait: { kind: 'approval', message, ...effectiveApprovalRules(step), timeoutSeconds, onDeny, onTimeout },
    };
  });
}

/**
 * A timer: `step.waiting { timer, wakeAt }` (now + `seconds`, or `until`). A moment already past
 * succeeds at once instead of a round trip through the server.
 */
export function runWait({ ctx, step, frame }: { ctx: RunContext; step: WaitStep; frame: Frame }): Promise<StepOutcome> {
  return runServerTimed({ ctx, step, frame }, () => {
    const now = ctx.now();
    const wakeAtMs = step.until !== undefined ? Date.parse(step.until) : now + (step.seconds ?? 0) * 1000;
    if (!Number.isFinite(wakeAtMs)) return { type: 'failed', error: new Error(`wait ${step.id}: no valid "seconds" or "until"`) };
    if (wakeAtMs <= now) return { type: 'succeeded', output: { waitedUntil: new Date(wakeAtMs).toISOString(), resumedAt: new Date(now).toISOString() } };
    return { type: 'waiting', wait: { kind: 'timer', wakeAt: new Date(wakeAtMs).toISOString() } };
  });
}

/**
 * Approvals and timers hand the execution back and the server times them (an approval's
 * `timeoutSeconds` is how long people have to decide), so their attempts get no deadline here.
 */
function runServerTimed(
  { ctx, step, frame }: { ctx: RunContext; step: ApprovalStep | WaitStep; frame: Frame },
  body: () => AttemptResult,
): Promise<StepOutcome> {
  return runAttempts({ ctx, step, frame, timeoutSeconds: null, body: async () => body() });
}
