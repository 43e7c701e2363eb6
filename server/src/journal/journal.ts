import type { JournalEvent, JournalEventData, JournalEventType, Topic } from '@weft/shared';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { isStorageError } from '../db/storage-errors';
import { rerunAfter, waitBeforeRerun } from './conflict-retry';
import { appendCheck } from './event-check';
import { EventBus } from './event-bus';
import { createEventTable } from './event-table';
import { type AfterCommit, createGroupCommit, type Batch, type CommitTimings } from './group-commit';
import { createPendingWrites, newWrites, type AppendOptions } from './pending-writes';
import { createSequences } from './sequences';

export type { AppendOptions } from './pending-writes';

/**
 * The journal was called inside a database transaction it did not open (a raw `db.transaction`):
 * it cannot know when that one commits, so its events would reach listeners (live sockets, other
 * servers' wake-ups) before the state they announce is committed, or even if it rolls back. Such
 * a write is refused: the caller opens `journal.transaction` (which raw statements may join) instead.
 */
export class NestedTransactionError extends Error {
  constructor() {
    super(
      'journal write inside a database transaction the journal did not open (db.transaction): its events would be published before that transaction commits; wrap the whole write in journal.transaction instead',
    );
    this.name = 'NestedTransactionError';
  }
}

/**
 * The append-only journal. State changes are written with their events in one transaction
 * (`journal.transaction`), and fan-out reads only what was committed: listeners run after COMMIT.
 *
 * Group commit (group-commit.ts): `batched(fn)` runs `fn` as a savepoint inside a shared IMMEDIATE
 * transaction that commits on the next `setImmediate`, so the hot paths (webhook fires, lease
 * grants, runner event batches) arriving in one turn of the event loop pay for one fsync together.
 * Every logical transaction stays atomic (its own savepoint). Anything that acknowledges a write to
 * the outside waits for the COMMIT: HTTP replies (`durable()`, an onSend hook), runner frames
 * (`afterCommit`) and journal listeners. While a batch is open, `transaction(fn)` joins it the same way.
 *
 * On PostgreSQL a logical transaction can be aborted for another server's sake (a deadlock, 40P01,
 * or a serialization failure, 40001). The journal runs it again (conflict-retry.ts): in a batch,
 * its savepoint is rolled back, the batch commits at once (its earlier logical transactions hold
 * locks the rerun would wait for) and `fn` runs again as a plain transaction; a plain transaction
 * is rerun the same way. So `fn` may run more than once before its caller sees the value: it must
 * keep its effects to the transaction (statements, appends, `afterCommit`, which belong to the run
 * that commits) or make them the same on every run (assign, not accumulate, what it hands out).
 *
 * The pieces: seq allocation (sequences.ts), the events of the running transaction and snapshot
 * replacement (pending-writes.ts), the batches and their WAL syncs (group-commit.ts), the table
 * (event-table.ts) and the in-process fan-out (event-bus.ts).
 */
export function createJournal({
  db,
  clock,
  onListenerError,
  onCommitError,
  onCommitted,
  timings,
  onRerun,
}: {
  db: Db;
  clock: Clock;
  onListenerError?: (err: unknown) => void;
  /**
   * A write that could not be made durable: a batch rolled back or whose WAL sync failed (its
   * waiters rejected, its `afterCommit` failure callbacks run), or a plain transaction refused by
   * storage (disk full, I/O error). Nothing of a rolled-back write is believed committed here.
   */
  onCommitError?: (err: unknown) => void;
  /** After each COMMIT this journal issued, with no transaction open (the checkpointer's moment). */
  onCommitted?: () => void;
  /** Batch commit and WAL sync durations (metrics/). */
  timings?: CommitTimings;
  /** A logical transaction PostgreSQL aborted for a conflict (`err`), about to run again (`runs` so far). */
  onRerun?: (err: unknown, runs: number) => void;
}) {
  const bus = new EventBus();
  const report = onListenerError ?? (() => {});
  const reportCommitError = onCommitError ?? report;
  const committed = () => {
    try {
      onCommitted?.();
    } catch (err) {
      report(err);
    }
  };
  const table = createEventTable(db);
  const sequences = createSequences({ db, table });
  const pending = createPendingWrites({ sequences });
  const publish = (events: readonly JournalEvent[]) => {
    for (const e of events) bus.publish(e, report);
  };
  const group = createGroupCommit({ db, table, sequences, publish, committed, report, reportCommitError, timings });
  const savepoint = {
    begin: db.prepare('SAVEPOINT weft_logical'),
    release: db.prepare('RELEASE weft_logical'),
    rollbackTo: db.prepare('ROLLBACK TO weft_logical'),
  };
  /** Called as an event is written, inside its transaction (see `onAppend`). */
  const appendHooks = new Map<string, Set<(event: JournalEvent) => void>>();
  /** `afterCommit` callbacks of the running logical transaction: they wait for it to end (see `settle`). */
  let registered: AfterCommit[] | null = null;

  /** Runs one logical transaction's `fn`, keeping the `afterCommit` callbacks it registers in `into`. */
  function collecting<T>(into: AfterCommit[], fn: () => T): T {
    const outer = registered;
    registered = into;
    try {
      return fn();
    } finally {
      registered = outer;
    }
  }

  /**
   * A logical transaction ended: its callbacks wait for the COMMIT that makes it durable (the open
   * batch's, or what waits for a sync; at once when nothing does), or hear that it failed.
   */
  function settle(callbacks: AfterCommit[], failure?: { err: unknown }): void {
    for (const cb of callbacks) {
      if (!failure) (cb.at === 'commit' ? group.afterCommitted : group.afterCommit)(cb.ok, cb.failed);
      else if (cb.failed) {
        try {
          cb.failed(failure.err);
        } catch (err) {
          report(err);
        }
      }
    }
  }

  /** Before a rerun: the open batch (and any a callback of its opened) commits, so the rerun is a plain transaction that waits for nothing of ours. */
  function commitOpenBatches(): void {
    for (let open = group.open(); open; open = group.open()) group.commitNow();
  }

  /** Journals `data` as an event of `type` on `topic`, in the running transaction (or its own); on PostgreSQL its `seq` is final at COMMIT. */
  function append<T extends JournalEventType>(topic: Topic, type: T, data: JournalEventData<T>, options: AppendOptions = {}): JournalEvent {
    if (!pending.writes()) {
      // A lone append is its own transaction.
      return transaction(() => append(topic, type, data, options));
    }
    appendCheck?.(type, data);
    const event = pending.add({ topic, type, data, at: clock.now().toISOString(), options });
    for (const hook of appendHooks.get(topic) ?? []) hook(event);
    return event;
  }

  /** One logical transaction inside the open batch: a savepoint, its events kept for the COMMIT. */
  function joinBatch<T>(open: Batch, fn: () => T): T {
    if (!db.inTransaction) {
      group.abandon(open, new Error('the group-commit transaction was rolled back by SQLite'));
      return transaction(fn);
    }
    // A savepoint by hand: better-sqlite3's db.transaction() builds a new wrapper on every call.
    savepoint.begin.run();
    const callbacks: AfterCommit[] = [];
    try {
      // The release inside `pending.run`: when it fails (PostgreSQL refuses it in a transaction a
      // deadlock aborted, which `fn` caught and went on from), the events `fn` appended go too.
      const value = collecting(callbacks, () =>
        pending.run(open.writes, () => {
          const result = fn();
          savepoint.release.run();
          return result;
        }),
      );
      settle(callbacks);
      return value;
    } catch (err) {
      if (db.inTransaction && undoSavepoint()) {
        if (rerunAfter(err, 1)) {
          // Rerun inside this batch, it would wait for the locks the batch's earlier logical
          // transactions hold (rows they wrote) and deadlock again: they commit now, `fn` runs alone.
          commitOpenBatches();
          return rerun(fn, err, 1);
        }
      } else {
        // SQLite rolled the whole transaction back, or it is gone under the savepoint (PostgreSQL's
        // connection lost): so is the batch, and what else waits on it hears so now.
        group.abandon(open, err);
      }
      settle(callbacks, { err });
      throw err;
    }
  }

  /** Rolls the open savepoint back; false when the transaction under it is gone. */
  function undoSavepoint(): boolean {
    try {
      savepoint.rollbackTo.run();
      savepoint.release.run();
      return true;
    } catch {
      return false;
    }
  }

  /** `fn` again after `runs` runs aborted for a conflict (`err`): what the aborted run registered is dropped with it. */
  function rerun<T>(fn: () => T, err: unknown, runs: number): T {
    try {
      onRerun?.(err, runs);
    } catch (hookErr) {
      report(hookErr);
    }
    waitBeforeRerun(runs);
    return plain(fn, runs + 1);
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction (writers serialise up front, so two processes on one
   * database cannot both allocate the same seq). Nested calls join the outer transaction; with a
   * batch open, `fn` joins the batch. Inside a transaction the journal did not open, it throws
   * `NestedTransactionError` and runs nothing.
   */
  function transaction<T>(fn: () => T): T {
    if (pending.writes()) return fn();
    const open = group.open();
    if (open) return joinBatch(open, fn);
    return plain(fn, 1);
  }

  /** `fn` in a transaction of its own, as its `run`th run. */
  function plain<T>(fn: () => T, run: number): T {
    if (db.inTransaction) throw new NestedTransactionError();
    const writes = newWrites();
    const callbacks: AfterCommit[] = [];
    let result: T;
    try {
      result = db
        .transaction(() => {
          sequences.checkKnown();
          const value = collecting(callbacks, () => pending.run(writes, fn));
          sequences.assign(writes);
          table.write(writes.events);
          return value;
        })
        .immediate();
    } catch (err) {
      if (rerunAfter(err, run)) return rerun(fn, err, run);
      if (isStorageError(err)) reportCommitError(err);
      settle(callbacks, { err });
      throw err;
    }
    sequences.remember(writes);
    committed();
    group.publishInOrder(writes);
    settle(callbacks);
    return result;
  }

  /** `transaction(fn)` with group commit: durable at the batch's COMMIT (see `durable`, `afterCommit`). */
  function batched<T>(fn: () => T): T {
    if (pending.writes()) return fn();
    // No batch can open inside someone else's transaction, or with group commit off: a plain transaction.
    const open = group.open() ?? group.begin();
    return open ? joinBatch(open, fn) : transaction(fn);
  }

  return {
    append,
    transaction,
    batched,
    read: table.read,
    /** The highest committed seq of `topic` (inside a transaction: including what it appended). */
    lastSeq: (topic: string): number => {
      const writes = pending.writes();
      return (writes && sequences.last(writes, topic)) ?? table.lastSeq(topic);
    },
    subscribe: bus.subscribe.bind(bus),
    subscribeAll: bus.subscribeAll.bind(bus),
    bus,
    /** Resolves once everything written so far is durable: committed and, under FULL, its WAL synced (at once when nothing waits). */
    durable: group.durable,
    /**
     * Calls `fn` as each event of `topic` is written, before its transaction commits: for work that
     * should join the same group commit (`beforeCommit`), never for anything that tells the outside.
     * The transaction may still roll back, and on PostgreSQL the event's `seq` is the transaction's own
     * numbering until its COMMIT takes the real one (sequences-postgres.ts): do not keep it.
     */
    onAppend(topic: Topic, fn: (event: JournalEvent) => void): () => void {
      const hooks = appendHooks.get(topic) ?? new Set();
      appendHooks.set(topic, hooks);
      hooks.add(fn);
      return () => hooks.delete(fn);
    },
    /** Runs `cb` inside the open batch just before it commits; false (and nothing runs) when no batch is open. */
    beforeCommit: group.beforeCommit,
    /**
     * Runs `cb` once everything written so far is durable, in order with the listeners (now, when
     * nothing waits); `failed` instead when that write is rolled back or its sync fails. Called
     * inside a logical transaction, it is kept until that one ends (then as above, or `failed` if it
     * threw) and belongs to that run: a run the journal reruns drops it, unheard.
     */
    afterCommit(cb: () => void, failed?: (err: unknown) => void): void {
      if (registered) registered.push(failed ? { ok: cb, failed } : { ok: cb });
      else group.afterCommit(cb, failed);
    },
    /**
     * `afterCommit`, but `cb` runs at the COMMIT, before the WAL sync that makes it durable under
     * synchronous=FULL: for what may be lost with the write on power loss without harm, and only that
     * (a fresh execution's first lease: see the dispatcher). `failed` when the write is rolled back.
     */
    afterCommitted(cb: () => void, failed?: (err: unknown) => void): void {
      if (registered) registered.push({ ok: cb, at: 'commit', ...(failed ? { failed } : {}) });
      else group.afterCommitted(cb, failed);
    },
    /** Commits the open batch now (shutdown, tests). */
    commitNow: group.commitNow,
    close: group.close,
  };
}

export type Journal = ReturnType<typeof createJournal>;
