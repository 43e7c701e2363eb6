import { EXECUTIONS_TOPIC, isFinishedExecution } from '@weft/shared';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import type { IntegrationsRepository } from './integrations-repository';

/**
 * The on-complete hook of provisioned workflows: when one of their executions finishes, the
 * integration records it as `latestSyncExecutionId`, and `lastSyncError` is set (failed, canceled)
 * or cleared (succeeded). Reads committed `execution.updated` events on topic `executions`.
 */
export function watchSyncRuns({
  journal,
  repo,
  clock,
  onChanged,
}: {
  journal: Journal;
  repo: IntegrationsRepository;
  clock: Clock;
  /** Inside the transaction that wrote the change: journals the integration's new view. */
  onChanged(integrationId: string): void;
}): () => void {
  return journal.subscribe(EXECUTIONS_TOPIC, (event, origin) => {
    // The server that wrote the ending records it (with several servers, the others hear it too).
    if (origin !== 'local' || event.type !== 'execution.updated') return;
    const ex = event.data;
    if (!isFinishedExecution(ex.status)) return;
    const provision = repo.provisionByWorkflow(ex.workflowId);
    if (!provision) return;
    const error = ex.status === 'succeeded' ? null : (ex.error?.message ?? `the sync run ended ${ex.status}`).slice(0, 2000);
    journal.transaction(() => {
      const row = repo.byId(provision.integration_id);
      if (!row) return;
      if (row.latest_sync_execution_id === ex.id && row.last_sync_error === error) return;
      repo.setSync(row.id, ex.id, error, clock.now().toISOString());
      onChanged(row.id);
    });
  });
}
