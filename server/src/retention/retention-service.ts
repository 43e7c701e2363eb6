import { performance } from 'node:perf_hooks';
import type { RetentionReport, RetentionRowCounts, RetentionRun } from '@weft/shared';
import type { Clock } from '../clock';
import type { RetentionConfig } from '../config';
import type { Db } from '../db/open';
import type { Journal } from '../journal/journal';
import { createExecutionPruner, type PruneCandidate } from './execution-pruner';
import { RowBudget } from './row-budget';
import { createTopicCompactor } from './topic-compactor';
import { createFileSpace } from './file-space';
import { createDeliveryPruner } from './delivery-pruner';
import { createIdempotencyKeyPruner } from './idempotency-key-pruner';
import { IDEMPOTENCY_KEY_TTL_MS } from '../http/idempotency';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Lets timers, sockets and requests run between two transactions. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type Totals = RetentionReport['totals'];

/**
 * Retention: prunes finished executions beyond `maxExecutions` and older than `days`, forgets
 * `Idempotency-Key` answers older than a day, compacts journal topics older than `compactAfterMs`, then gives free pages back to the file system. All
 * of it in transactions of at most `batchRows` deleted rows and about `batchMs` of work, yielding
 * to the event loop between them, so requests and runners wait for one small transaction at most.
 *
 * Runs `startDelayMs` after `start()`, then every `intervalMs`; `stop()` ends the loop after the
 * transaction in flight. `run()` runs once now (the same run when one is going).
 */
export function createRetention({
  db,
  journal,
  clock,
  settings,
  log,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  settings: RetentionConfig;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}) {
  const pruner = createExecutionPruner(db);
  const compactor = createTopicCompactor(db);
  const deliveries = createDeliveryPruner(db);
  const idempotencyKeys = createIdempotencyKeyPruner(db);
  const space = createFileSpace(db);
  const s = {
    read: db.prepare<[], { last_run: string | null; totals: string }>('SELECT last_run, totals FROM retention_state WHERE id = 1'),
    save: db.prepare<[string, string]>('UPDATE retention_state SET last_run = ?, totals = ? WHERE id = 1'),
  };
  let timer: NodeJS.Timeout | null = null;
  let scheduled = false;
  /** Set by `stop()`: loops end after their transaction in flight, and nothing is scheduled again. */
  let stopped = false;
  let running: Promise<RetentionRun> | null = null;

  /** One run's bookkeeping: rows by table, transactions, the largest one. */
  function newTally() {
    const rows: RetentionRowCounts = {};
    let transactions = 0;
    let maxRows = 0;
    let maxMs = 0;
    let maxWorkMs = 0;
    return {
      rows,
      get transactions() {
        return transactions;
      },
      get maxRows() {
        return maxRows;
      },
      get maxMs() {
        return maxMs;
      },
      get maxWorkMs() {
        return maxWorkMs;
      },
      /**
       * Runs `work` in one transaction with a fresh budget; yields afterwards. The journal reruns a
       * transaction PostgreSQL aborted for a deadlock: each run gets a fresh budget, and `work`
       * starts each run from the walk's state before the batch (see `pruneWalk`).
       */
      async batch<T>(work: (budget: RowBudget) => T): Promise<T> {
        let budget = new RowBudget(settings.batchRows);
        const began = performance.now();
        let workMs = 0;
        const value = journal.transaction(() => {
          budget = new RowBudget(settings.batchRows, performance.now() + settings.batchMs);
          const value = work(budget);
          workMs = performance.now() - began;
          return value;
        });
        maxMs = Math.max(maxMs, performance.now() - began);
        maxWorkMs = Math.max(maxWorkMs, workMs);
        transactions++;
        maxRows = Math.max(maxRows, budget.spent);
        for (const [table, n] of Object.entries(budget.counts)) rows[table] = (rows[table] ?? 0) + n;
        await yieldToLoop();
        return value;
      },
    };
  }
  type Tally = ReturnType<typeof newTally>;

  /**
   * Walks finished runs in id (creation) order and prunes those `eligible` says may go, until
   * `stop` says the walk is past what can be eligible. The number pruned.
   */
  async function pruneWalk(tally: Tally, { eligible, stop }: { eligible: (c: PruneCandidate) => boolean; stop: (c: PruneCandidate) => boolean }) {
    let cursor = '';
    let queue: PruneCandidate[] = [];
    let lastPage = false;
    let current: string | null = null;
    let pruned = 0;
    let done = false;
    while (!done && !stopped) {
      // A run the journal reruns (a deadlock) starts again from here: nothing it did was stored.
      const before = { cursor, queue, lastPage, current, pruned, done };
      await tally.batch((budget) => {
        ({ cursor, lastPage, current, pruned, done } = before);
        queue = [...before.queue];
        let scanned = false;
        // At least one step per transaction, so a slow store still gets through the walk.
        for (let steps = 0; !budget.exhausted && !(steps > 0 && budget.overTime); steps++) {
          if (current === null) {
            if (queue.length === 0) {
              // One scan per transaction at most: a long stretch of kept runs costs several, never one long one.
              if (lastPage) done = true;
              if (lastPage || scanned) return;
              queue = pruner.scan(cursor, settings.batchRows);
              scanned = true;
              lastPage = queue.length < settings.batchRows;
              cursor = queue.at(-1)?.id ?? cursor;
              continue;
            }
            const next = queue.shift()!;
            if (stop(next)) {
              done = true;
              return;
            }
            if (next.protected || !eligible(next)) continue;
            current = next.id;
          }
          const result = pruner.prune(current, budget);
          if (result === 'partial') return;
          if (result === 'pruned') pruned++;
          current = null;
        }
      });
    }
    return pruned;
  }

  async function compactTopics(tally: Tally, cutoff: string): Promise<number> {
    let compacted = 0;
    let cursor = '';
    let current: string | null = null;
    let done = false;
    const at = clock.now().toISOString();
    while (!done && !stopped) {
      // A run the journal reruns (a deadlock) starts again from here: nothing it did was stored.
      const before = { cursor, current, compacted, done };
      await tally.batch((budget) => {
        ({ cursor, current, compacted, done } = before);
        // Topics visited per transaction are bounded too: each costs two index lookups.
        for (let visited = 0; !budget.exhausted && visited < settings.batchRows && !(visited > 0 && budget.overTime); visited++) {
          if (current === null) {
            current = compactor.nextTopic(cursor);
            if (current === null) {
              done = true;
              return;
            }
            cursor = current;
          }
          const result = compactor.compact({ topic: current, cutoff, budget, at });
          if (result === 'partial') return;
          if (result === 'compacted') compacted++;
          current = null;
        }
      });
    }
    return compacted;
  }

  /** Deliveries that started no run and counts of refused calls, older than `cutoff`. */
  async function pruneRunlessDeliveries(tally: Tally, cutoff: string): Promise<void> {
    let cursor = 0;
    let done = false;
    while (!done && !stopped) {
      ({ cursor, done } = await tally.batch((budget) => deliveries.prune({ cursor, cutoff, budget })));
    }
    const cutoffMs = Date.parse(cutoff);
    for (let counted = false; !counted && !stopped; ) counted = await tally.batch((budget) => deliveries.pruneCounts({ cutoffMs, budget }));
  }

  /** `Idempotency-Key` answers past their day. */
  async function pruneIdempotencyKeys(tally: Tally, cutoff: string): Promise<void> {
    for (let done = false; !done && !stopped; ) done = await tally.batch((budget) => idempotencyKeys.prune({ cutoff, budget }));
  }

  async function runOnce(): Promise<RetentionRun> {
    const startedAt = clock.now();
    const tally = newTally();
    const byCount = await (async () => {
      if (settings.maxExecutions === null) return 0;
      const boundary = pruner.countBoundary(settings.maxExecutions);
      if (boundary === null) return 0;
      return pruneWalk(tally, { eligible: () => true, stop: (c) => c.id >= boundary });
    })();
    const byAge = await (async () => {
      if (settings.days === 0) return 0;
      const cutoff = new Date(startedAt.getTime() - settings.days * DAY_MS).toISOString();
      // A run created after the cutoff cannot have ended before it: the walk stops there.
      const pruned = await pruneWalk(tally, { eligible: (c) => c.ended < cutoff, stop: (c) => c.created >= cutoff });
      await pruneRunlessDeliveries(tally, cutoff);
      return pruned;
    })();
    await pruneIdempotencyKeys(tally, new Date(startedAt.getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString());
    const compactedTopics = await compactTopics(tally, new Date(startedAt.getTime() - settings.compactAfterMs).toISOString());
    const vacuum = await space.release({ isBusy: () => db.inTransaction, yieldToLoop, stopped: () => stopped });
    const run: RetentionRun = {
      startedAt: startedAt.toISOString(),
      finishedAt: clock.now().toISOString(),
      prunedExecutions: { byAge, byCount },
      compactedTopics,
      rows: tally.rows,
      transactions: tally.transactions,
      maxRowsPerTransaction: tally.maxRows,
      maxTransactionMs: Math.round(Math.max(tally.maxMs, vacuum.maxStepMs) * 100) / 100,
      maxWorkMs: Math.round(tally.maxWorkMs * 100) / 100,
      vacuumedPages: vacuum.pages,
    };
    save(run);
    log.info(
      {
        retention: {
          prunedExecutions: byAge + byCount,
          byAge,
          byCount,
          compactedTopics,
          rows: tally.rows,
          transactions: tally.transactions,
          vacuumedPages: vacuum.pages,
        },
      },
      `retention: pruned ${byAge + byCount} executions (${byAge} by age, ${byCount} by count), compacted ${compactedTopics} topics`,
    );
    return run;
  }

  function readTotals(): Totals {
    const row = s.read.get();
    const totals = row ? (JSON.parse(row.totals) as Partial<Totals>) : {};
    return { executions: totals.executions ?? 0, compactedTopics: totals.compactedTopics ?? 0, rows: totals.rows ?? {} };
  }

  function save(run: RetentionRun): void {
    const totals = readTotals();
    totals.executions += run.prunedExecutions.byAge + run.prunedExecutions.byCount;
    totals.compactedTopics += run.compactedTopics;
    for (const [table, n] of Object.entries(run.rows)) totals.rows[table] = (totals.rows[table] ?? 0) + n;
    journal.transaction(() => s.save.run(JSON.stringify(run), JSON.stringify(totals)));
  }

  function run(): Promise<RetentionRun> {
    running ??= runOnce().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(ms: number): void {
    if (stopped || !scheduled) return;
    timer = setTimeout(() => {
      timer = null;
      run()
        .catch((err: unknown) => log.error({ err }, 'retention run failed; retrying at the next interval'))
        .finally(() => schedule(settings.intervalMs));
    }, ms);
    timer.unref();
  }

  return {
    run,
    start(): void {
      if (scheduled || stopped) return;
      scheduled = true;
      schedule(settings.startDelayMs);
    },
    /** Stops the schedule; a run in flight ends after its current transaction. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },
    report(): RetentionReport {
      const row = s.read.get();
      return {
        settings: {
          days: settings.days,
          maxExecutions: settings.maxExecutions,
          intervalMs: settings.intervalMs,
          compactAfterHours: settings.compactAfterMs / 3_600_000,
          batchRows: settings.batchRows,
        },
        lastRun: row?.last_run ? (JSON.parse(row.last_run) as RetentionRun) : null,
        totals: readTotals(),
        database: space.stats(),
      };
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
