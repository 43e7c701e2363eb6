import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { ConnectedRunner } from '../engine/dispatcher';
import type { LiveStats } from '../live/live-stats';
import type { Metrics } from './registry';

/**
 * The gauges of what is true now, read at each scrape rather than tracked on every change: the
 * queue from the database (two indexed reads), runners and sockets from memory.
 */
export function createScrapeGauges({
  metrics,
  db,
  clock,
  runners,
  live,
}: {
  metrics: Metrics;
  db: Db;
  clock: Clock;
  runners: ReadonlyMap<string, ConnectedRunner>;
  live: LiveStats;
}) {
  const s = {
    // executions_by_status (status, created_at) answers both from the index.
    queue: db.prepare<[], { n: number; oldest: string | null }>("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM executions WHERE status = 'queued'"),
    held: db.prepare<[], { runner: string; n: number }>(
      'SELECT lease_runner_id AS runner, COUNT(*) AS n FROM executions WHERE lease_runner_id IS NOT NULL GROUP BY lease_runner_id',
    ),
  };

  return function update(): void {
    const queue = s.queue.get() ?? { n: 0, oldest: null };
    metrics.queuedExecutions.set(queue.n);
    metrics.oldestQueuedAge.set(queue.oldest === null ? 0 : Math.max(0, (clock.now().getTime() - Date.parse(queue.oldest)) / 1000));

    let capacity = 0;
    for (const r of runners.values()) capacity += r.capacity;
    let inUse = 0;
    for (const h of s.held.all()) if (runners.has(h.runner)) inUse += h.n;
    metrics.runnersConnected.set(runners.size);
    metrics.runnerCapacity.set(capacity);
    metrics.runnerCapacityInUse.set(inUse);

    metrics.websocketClients.set({ kind: 'browser' }, live.sockets);
    metrics.websocketClients.set({ kind: 'runner' }, runners.size);
  };
}
