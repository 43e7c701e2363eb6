import type { ApprovalsService } from '../approvals/approvals-service';
import type { Timers } from '../executions/timers';
import type { Journal } from '../journal/journal';
import type { Dispatcher } from './dispatcher';

/**
 * The engine's clockwork: expires leases, fires due timers and approval timeouts, dispatches.
 * Anything that queues an execution also kicks dispatch at once through the journal, so the
 * ticker only bounds how late time-based work can be.
 */
export function createEngineTicker({
  journal,
  dispatcher,
  timers,
  approvals,
  tickMs,
  log,
}: {
  journal: Journal;
  dispatcher: Dispatcher;
  timers: Timers;
  approvals: ApprovalsService;
  tickMs: number;
  log: { error(obj: object, msg: string): void };
}) {
  let interval: NodeJS.Timeout | null = null;
  // As it is written, not after COMMIT: inside a group-commit batch the grant joins the same batch,
  // so a new execution reaches a runner one sync sooner (a rolled-back kick finds nothing to grant).
  const unsubscribe = journal.onAppend('executions', (event) => {
    if (event.type === 'execution.updated' && (event.data as { status?: string }).status === 'queued') dispatcher.kick();
  });

  function tick() {
    try {
      dispatcher.expireLeases();
      timers.wakeDue();
      approvals.expireDue();
      dispatcher.kick();
    } catch (err) {
      log.error({ err }, 'engine tick failed');
    }
  }

  return {
    tick,
    start() {
      tick();
      interval = setInterval(tick, tickMs);
      interval.unref();
    },
    stop() {
      if (interval) clearInterval(interval);
      interval = null;
      unsubscribe();
    },
  };
}
