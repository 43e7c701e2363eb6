import { executionTopic, isFinishedExecution } from '@weft/shared';
import type { ExecutionsService } from '../executions/executions-service';
import type { Journal } from '../journal/journal';

export type WaitOutcome = { finished: true; status: string; output: unknown } | { finished: false };

/**
 * Resolves when the execution reaches a final status (from its journal topic, not by polling) or
 * when `timeoutMs` or `signal` ends the wait. The row is read once after subscribing, so a run
 * that finished before the subscription is seen too (`fresh`: it was created in a batch still
 * uncommitted, so it cannot have, and that read is skipped).
 */
export function waitForExecution({
  journal,
  executions,
  executionId,
  timeoutMs,
  signal,
  fresh = false,
}: {
  journal: Journal;
  executions: ExecutionsService;
  executionId: string;
  timeoutMs: number;
  signal?: AbortSignal;
  fresh?: boolean;
}): Promise<WaitOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: WaitOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const fromRow = () => {
      const row = executions.repo.get(executionId);
      if (!row || !isFinishedExecution(row.status)) return false;
      finish({ finished: true, status: row.status, output: row.output === null ? null : (JSON.parse(row.output) as unknown) });
      return true;
    };
    const unsubscribe = journal.subscribe(executionTopic(executionId), (event) => {
      if (event.type !== 'execution.updated') return;
      const summary = event.data;
      if (isFinishedExecution(summary.status)) finish({ finished: true, status: summary.status, output: summary.output ?? null });
    });
    const onAbort = () => finish({ finished: false });
    // When the time is up, one last look at the row: another server process may have finished it.
    const timer = setTimeout(() => fromRow() || finish({ finished: false }), timeoutMs);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    else if (!fresh) fromRow();
  });
}
