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

/** Pause between polls when the server could not be reached (it may be restarting). */
const RETRY_MS = 1000;

/**
 * Asks a person through `POST /api/tools/ask` and waits (long polls) until they decide. The key
 * (`<stepId>|<iterationPath>|<tool_use id>`) makes the ask idempotent: a resend, or an attempt
 * resumed after a crash, attaches to the same ask. While the ask is pending the call shows as
 * waiting and the step's timeout clock is stopped.
 */
export async function askPerson({
  tools,
  ctx,
  key,
  kind,
  tool,
  preview,
  onWaiting,
}: {
  tools: ToolClient;
  ctx: StepContext;
  key: string;
  kind: 'tool' | 'question';
  tool: { name: string; arguments: unknown };
  preview: AskPreview;
  onWaiting: () => void;
}): Promise<AskOutcome> {
  let resume: (() => void) | undefined;
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
          waitMs: resume ? 20_000 : 0,
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
        if (!(await sleep(RETRY_MS, ctx.signal))) throw ctx.signal.reason;
        continue;
      }
      const r = answer.response;
      switch (r.status) {
        case 'pending':
          if (!resume) {
            resume = ctx.pauseTimeout?.() ?? (() => {});
            onWaiting();
          }
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
    resume?.();
  }
}
