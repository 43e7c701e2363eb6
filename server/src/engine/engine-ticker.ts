import type { ApprovalsService } from '../approvals/approvals-service';
import { EXECUTIONS_TOPIC } from '@weft/shared';
import type { StorageHealth } from '../db/storage-health';
import type { Timers } from './timers';
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
  storage,
  tickMs,
  log,
  daily,
}: {
  journal: Journal;
  dispatcher: Dispatcher;
  timers: Timers;
  approvals: ApprovalsService;
  storage?: StorageHealth;
  tickMs: number;
  log: { error(obj: object, msg: string): void };
  /** Housekeeping asked for on every tick that decides itself when it is due (audit retention). */
  daily?: () => void;
}) {
  let interval: NodeJS.Timeout | null = null;
  // As it is written, not after COMMIT: inside a group-commit batch the grant joins the same batch,
  // so a new execution reaches a runner one sync sooner (a rolled-back kick finds nothing to grant).
  // Kicked too when an execution gives its lease back (finished, waiting): the slot it frees goes to
  // the next queued execution in the same batch, not on the next fire or tick.
  const unsubscribe = journal.onAppend(EXECUTIONS_TOPIC, (event) => {
    if (event.type === 'execution.updated' && event.data.status !== 'running') dispatcher.kick({ queued: event.data.status === 'queued' });
  });

  /** While storage is failed, a small write at most this often tells when it took writes again. */
  const PROBE_EVERY_MS = 1000;
  let lastProbe = 0;

  function tick() {
    if (storage?.failure) {
      const now = Date.now();
      if (now - lastProbe < PROBE_EVERY_MS) return;
      lastProbe = now;
      if (!storage.probe()) return;
    }
    try {
      dispatcher.expireLeases();
      timers.wakeDue();
      approvals.expireDue();
      dispatcher.kick({ queued: true });
      daily?.();
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
