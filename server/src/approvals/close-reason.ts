import type { ApprovalClosed } from '@weft/shared';
import type { ExecutionEnding } from '../executions/executions-service';
import { AppError, notFound } from '../http/errors';

/** How much of a run's error a closed approval repeats. */
const MAX_ERROR_IN_REASON = 300;

const errorOf = (error: unknown): { name?: string; message?: string; code?: string } =>
  typeof error === 'object' && error !== null ? (error as { name?: string; message?: string; code?: string }) : {};

const clip = (text: string) => (text.length > MAX_ERROR_IN_REASON ? `${text.slice(0, MAX_ERROR_IN_REASON)}…` : text);

/** A deadline passed: a step's `timeoutSeconds` (runner) or an approval's own timeout. */
const isTimeout = (e: { name?: string; code?: string }) => e.code === 'step_timeout' || /Time(d)?Out|Timeout/.test(e.name ?? '');

/** Why an approval of an execution that ended this way can no longer be decided, in words a person reads. */
export function closeReasonFor(ending: ExecutionEnding): ApprovalClosed {
  const e = errorOf(ending.error);
  const detail = e.message ? ` (${clip(e.message)})` : '';
  const closedAt = ending.at;
  switch (ending.status) {
    case 'canceled':
      return { reason: 'execution_canceled', message: 'The run was canceled before anyone decided.', closedAt };
    case 'failed':
      return isTimeout(e)
        ? { reason: 'execution_timed_out', message: `The run timed out before anyone decided${detail}.`, closedAt }
        : { reason: 'execution_failed', message: `The run failed before anyone decided${detail}.`, closedAt };
    case 'succeeded':
    case 'denied':
    case 'queued':
    case 'running':
    case 'waiting':
      return { reason: 'execution_finished', message: `The run ended (${ending.status}) before anyone decided.`, closedAt };
    default: {
      const never: never = ending.status;
      return { reason: 'execution_finished', message: `The run ended (${String(never)}) before anyone decided.`, closedAt };
    }
  }
}

/** A tool call's request went away (a chat turn stopped, a step gave up) before anyone decided. */
export const callCanceled = (at: string): ApprovalClosed => ({
  reason: 'call_canceled',
  message: 'The request that asked for it stopped waiting before anyone decided.',
  closedAt: at,
});

/** The 409 `approval_closed` message: the approval's id and why nobody can decide it. */
export function closedMessage(id: string, row: { status: string; closed_message: string | null }): string {
  if (row.status === 'expired') return `approval ${id} can no longer be decided. It timed out before anyone decided.`;
  return `approval ${id} can no longer be decided. ${row.closed_message ?? 'It was closed before anyone decided.'}`;
}

/** What `answerDecided` reads of an approval's row (steps, agent asks and held calls alike). */
type DecidedRow = { status: string; decision: string | null; decided_by: string | null; closed_message: string | null };

/**
 * The answer to a decision of an approval no longer pending (or decided meanwhile by someone else):
 * the same decision again is that decision (200, `view(row)`); a different one is 409
 * `already_decided`; an expired or closed one (expired ones record their timeout's outcome, but nobody
 * decided them) is 409 `approval_closed`, whatever the decision.
 */
export function answerDecided<R extends DecidedRow, V>(id: string, row: R | undefined, decision: 'approve' | 'deny', view: (row: R) => V): V {
  if (!row) throw notFound(`approval ${id}`);
  if (row.status === 'closed' || row.status === 'expired') throw new AppError(409, 'approval_closed', closedMessage(id, row), { approval: view(row) });
  if (row.decision === decision) return view(row);
  throw new AppError(409, 'already_decided', `approval ${id} was already ${row.status} by ${row.decided_by}`, { approval: view(row) });
}
