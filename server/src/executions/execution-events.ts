import { EXECUTIONS_TOPIC, executionTopic, sessionTopic, type StepLog, type StepRun } from '@weft/shared';
import type { Journal } from '../journal/journal';
import { toStepRun, toSummary, type ExecutionRow, type ExecutionsRepository, type StepRunRow } from './executions-repository';

/**
 * Journals what browsers follow: the execution topic gets every change, the session topic (when the
 * execution runs in a chat) the same, so the chat can render step cards without a second subscription.
 * Must be called inside journal.transaction, after the row was written.
 *
 * `execution.updated` carries the whole summary (a snapshot): two of them in one uncommitted batch
 * with nothing about the execution in between become one (queued then running, for a webhook whose
 * execution is granted in the batch that created it).
 */
export function createExecutionEvents({ journal, repo }: { journal: Journal; repo: ExecutionsRepository }) {
  const topicsOf = (sessionId: string | null, id: string) => (sessionId ? [executionTopic(id), sessionTopic(sessionId)] : [executionTopic(id)]);
  return {
    /** `row` when the caller has just read or written it (`RETURNING *`): saves a read. */
    executionUpdated(executionId: string, row: ExecutionRow = repo.get(executionId)!) {
      const summary = toSummary(row, undefined, repo.argsOf(row));
      const about = { entity: executionId, snapshot: true };
      for (const t of topicsOf(row.session_id, executionId)) journal.append(t, 'execution.updated', summary, about);
      journal.append(EXECUTIONS_TOPIC, 'execution.updated', summary, about);
    },
    /** `sessionId` when the caller already knows it (saves a read per event). */
    stepUpdated(executionId: string, step: StepRunRow | null, sessionId?: string | null) {
      if (!step) return;
      const data = { executionId, ...toStepRun(step) };
      for (const t of topicsOf(sessionId === undefined ? (repo.sessionOf(executionId) ?? null) : sessionId, executionId))
        journal.append(t, 'step.updated', data, { entity: executionId });
    },
    /** A step as `stepUpdated` would journal it, already in API shape (`writeSteps`). */
    stepRunUpdated(executionId: string, step: StepRun, sessionId: string | null) {
      const data = { executionId, ...step };
      for (const t of topicsOf(sessionId, executionId)) journal.append(t, 'step.updated', data, { entity: executionId });
    },
    log(executionId: string, data: Omit<StepLog, 'executionId'>) {
      journal.append(executionTopic(executionId), 'step.log', { executionId, ...data }, { entity: executionId });
    },
  };
}

export type ExecutionEvents = ReturnType<typeof createExecutionEvents>;
