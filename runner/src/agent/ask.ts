import type { AskPreview, AskScope } from '@weft/shared';
import { sleep } from '../engine/attempts';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import type { ToolClient } from '../llm/tool-client';
import type { StepContext } from '../steps/types';

export type AskOutcome =
  | { status: 'approved'; approvalId: string; decidedBy: string; comment: string | null; scope: AskScope }
  | { status: 'denied'; approvalId: string; decidedBy: string | null; comment: string | null }
  /** Nobody decided in time (the server's approval timeout). */
  | { status: 'expired'; approvalId: string };

/** First pause before asking again when the server could not be reached (it may be restarting); doubles up to `MAX_RETRY_MS`. */
const RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** One long poll, at most. */
const POLL_MS = 20_000;
/**
 * Most time one step instance (execution, step, iteration) may spend paused for people, summed over
 * all its asks and attempts (each ask also lapses on its own after 7 days on the server). Past it the
 * step fails for good: an agent that keeps asking nobody, or a step retried while it waits, would
 * otherwise hold a runner slot and its workspace indefinitely.
 */
export const MAX_PAUSED_MS = 24 * 60 * 60 * 1000;

/**
 * Paused time of one step instance, shared by its asks: it starts from what the instance's
 * checkpoint says earlier attempts waited. `onPaused` is told the total (the open pause included)
 * after every poll that left the step paused, so the step can checkpoint it while a person takes hours.
 */
export type WaitBudget = { pausedMs: number; readonly maxMs: number; readonly onPaused?: ((pausedMs: number) => void) | undefined };
export const createWaitBudget = ({
  maxMs = MAX_PAUSED_MS,
  pausedMs = 0,
  onPaused,
}: {
  maxMs?: number;
  pausedMs?: number;
  onPaused?: (pausedMs: number) => void;
} = {}): WaitBudget => ({ pausedMs, maxMs, onPaused });

const hours = (ms: number) => (ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(2)} h` : `${Math.round(ms / 1000)} s`);

/**
 * Asks a person through `POST /api/tools/ask` and waits (long polls) until they decide. The key
 * (`<stepId>|<iterationPath>|<tool_use id>`) makes the ask idempotent: a resend, or an attempt
 * resumed after a crash, attaches to the same ask. While the server answers `pending` the call
 * shows as waiting and the step's timeout clock is stopped, counted against the step instance's
 * `budget`; while the server cannot be reached the clock runs again and the retries back off, so an
 * unreachable server ends in the step's timeout rather than in an endless pause.
 */
export async function askPerson({
  tools,
  ctx,
  key,
  kind,
  tool,
  preview,
  onWaiting,
  budget = createWaitBudget(),
  now = Date.now,
  retryMs = RETRY_MS,
}: {
  tools: ToolClient;
  ctx: StepContext;
  key: string;
  kind: 'tool' | 'question';
  tool: { name: string; arguments: unknown };
  preview: AskPreview;
  onWaiting: () => void;
  /** The step instance's paused time so far; a fresh 24 h one when left out. */
  budget?: WaitBudget;
  /** Injectable for tests. */
  now?: () => number;
  retryMs?: number;
}): Promise<AskOutcome> {
  let resume: (() => void) | undefined;
  let pausedAt = 0;
  let registered = false;
  let retryIn = retryMs;
  const pause = () => {
    if (resume) return;
    resume = ctx.pauseTimeout?.() ?? (() => {});
    pausedAt = now();
  };
  const unpause = () => {
    if (!resume) return;
    resume();
    resume = undefined;
    budget.pausedMs += now() - pausedAt;
  };
  const remaining = () => budget.maxMs - budget.pausedMs - (resume ? now() - pausedAt : 0);
  try {
    for (;;) {
      let answer: Awaited<ReturnType<ToolClient['ask']>>;
      try {
        answer = await tools.ask({
          key,
          kind,
          tool,
          preview,
          executionId: ctx.executionId,
          stepId: ctx.stepId,
          iterationPath: ctx.iterationPath,
          // The first request only registers the ask; the clock stops before the long polls.
          waitMs: registered ? Math.max(0, Math.min(POLL_MS, remaining())) : 0,
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        answer = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      if (!answer.ok) {
        const status = answer.status;
        if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)
          throw new NonRetriableStepError(`${tool.name}: the ask was refused: ${answer.error}`, { code: answer.code ?? 'ask_refused' });
        // Not a person's time: the step's clock runs while the server is away.
        unpause();
        if (!(await sleep(retryIn, ctx.signal))) throw ctx.signal.reason;
        retryIn = Math.min(retryIn * 2, MAX_RETRY_MS);
        continue;
      }
      retryIn = retryMs;
      const r = answer.response;
      switch (r.status) {
        case 'pending':
          if (!registered) onWaiting();
          registered = true;
          pause();
          if (remaining() <= 0)
            throw new NonRetriableStepError(
              `${tool.name}: this step has waited ${hours(budget.pausedMs + now() - pausedAt)} for people over its attempts, over the ${hours(budget.maxMs)} an agent step may wait in all`,
              { code: 'agent_limit_wait' },
            );
          budget.onPaused?.(budget.pausedMs + now() - pausedAt);
          continue;
        case 'approved':
          return {
            status: 'approved',
            approvalId: r.approvalId,
            decidedBy: r.decision?.decidedBy ?? 'unknown',
            comment: r.decision?.comment ?? null,
            scope: r.decision?.scope ?? 'once',
          };
        case 'denied':
          return { status: 'denied', approvalId: r.approvalId, decidedBy: r.decision?.decidedBy ?? null, comment: r.decision?.comment ?? null };
        case 'expired':
          return { status: 'expired', approvalId: r.approvalId };
        case 'closed':
          // The execution ended (canceled) while the ask was open: nothing left to do here.
          throw new StepFailedError(`${tool.name}: the ask was closed before anyone decided`, { code: 'ask_closed' });
        default: {
          const never: never = r.status;
          throw new Error(`unknown ask status ${String(never)}`);
        }
      }
    }
  } finally {
    unpause();
  }
}
