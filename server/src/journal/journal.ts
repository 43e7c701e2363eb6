import fs from 'node:fs';
import type { JournalEvent } from '@weft/shared';
import type { Db } from '../db/open';
import type { Clock } from '../workflows/workflows-service';
import { EventBus } from './event-bus';

type Pending = JournalEvent[];

/** Writes that share one physical transaction; acknowledged (fan-out, callbacks, waiters) after its COMMIT. */
type Batch = {
  acknowledged: boolean;
  /** A WAL sync that started after this batch committed is running or done. */
  covered: boolean;
  /** That sync returned. */
  synced: boolean;
  /** False for a plain transaction queued behind batches only for ordering (its COMMIT synced itself). */
  needsSync: boolean;
  /** Run inside the batch just before its COMMIT (e.g. granting the executions it created). */
  beforeCommit: (() => void)[];
  events: JournalEvent[];
  afterCommit: (() => void)[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
};

/** WAL syncs running at once (see `syncWal`). */
const MAX_SYNCS_IN_FLIGHT = 2;

/**
 * Journals open in this process, by database file. Group commit holds the write lock across I/O
 * callbacks; a second connection to the same file in this process would block the thread waiting
 * for that lock, so group commit is on only while a journal is alone on its file here. (Other
 * processes just wait for the lock, as with any writer.)
 */
const openJournals = new Map<string, Set<{ commitNow(): void }>>();

/**
 * The append-only journal. State changes are written with their events in one transaction
 * (`journal.transaction`), and fan-out reads only what was committed: listeners run after COMMIT.
 *
 * Group commit: `batched(fn)` runs `fn` as a savepoint inside a shared IMMEDIATE transaction that
 * commits on the next `setImmediate`, so the hot paths (webhook fires, lease grants, runner event
 * batches) arriving in one turn of the event loop pay for one fsync together. Every logical
 * transaction stays atomic (its own savepoint). Anything that acknowledges a write to the outside
 * waits for the COMMIT: HTTP replies (`durable()`, an onSend hook), runner frames (`afterCommit`)
 * and journal listeners. While a batch is open, `transaction(fn)` joins it the same way.
 *
 * With synchronous=FULL the batch commits with synchronous=NORMAL and the WAL is then fsynced on
 * libuv's thread pool: the event loop keeps serving while the disk syncs, and nothing in the batch
 * is acknowledged before that fsync returns, so what was acknowledged survives power loss as with
 * FULL. Batches are acknowledged in commit order, and a plain transaction committed while some
 * wait is acknowledged after them, so listeners always see a topic's events in seq order.
 */
export function createJournal({
  db,
  clock,
  onListenerError,
  onCommitError,
}: {
  db: Db;
  clock: Clock;
  onListenerError?: (err: unknown) => void;
  /** A failed COMMIT (I/O error): the batch is rolled back and its waiters rejected. */
  onCommitError?: (err: unknown) => void;
}) {
  const bus = new EventBus();
  const stmts = {
    lastSeq: db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE topic = ?'),
    insert: db.prepare('INSERT INTO events (topic, seq, type, at, data) VALUES (?, ?, ?, ?, ?)'),
    after: db.prepare<[string, number, number], { topic: string; seq: number; type: string; at: string; data: string }>(
      'SELECT topic, seq, type, at, data FROM events WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
  // The connection's level as configured. PRAGMA synchronous takes effect when prepared, so it is
  // set with db.pragma each time, never through a prepared statement.
  const level = db.pragma('synchronous', { simple: true }) as number;
  // FULL (2) or EXTRA (3): acknowledged writes must be on disk, so batches fsync the WAL themselves.
  const fsyncBatches = level >= 2;
  /** Committed batches (and plain transactions queued behind them) not yet acknowledged, oldest first. */
  let unsynced: Batch[] = [];
  let inFlight = 0;
  let walFd: number | null = null;
  let closeFdAfterSync = false;
  let pending: Pending | null = null;
  // Last seq per topic, valid inside one logical transaction (the write lock is held; a rolled-back
  // savepoint must not leave a gap, so it is dropped at the end of each).
  const seqs = new Map<string, number>();
  let batch: Batch | null = null;
  const report = onListenerError ?? (() => {});
  /** Called as an event is written, inside its transaction (see `onAppend`). */
  const appendHooks = new Map<string, Set<(event: JournalEvent) => void>>();

  const self = { commitNow };
  const peers = openJournals.get(db.name) ?? new Set();
  openJournals.set(db.name, peers);
  peers.add(self);
  if (peers.size > 1) for (const peer of peers) if (peer !== self) peer.commitNow();
  const grouping = () => peers.size === 1;
  const newBatch = (needsSync = true): Batch => ({ acknowledged: false, covered: false, synced: false, needsSync, beforeCommit: [], events: [], afterCommit: [], waiters: [] });

  const flush = (events: Pending) => {
    for (const e of events) bus.publish(e, report);
  };

  function append(topic: string, type: string, data: unknown): JournalEvent {
    if (!pending) {
      // A lone append is its own transaction.
      let event!: JournalEvent;
      transaction(() => {
        event = append(topic, type, data);
      });
      return event;
    }
    const seq = (seqs.get(topic) ?? stmts.lastSeq.get(topic)?.seq ?? 0) + 1;
    seqs.set(topic, seq);
    const at = clock.now().toISOString();
    stmts.insert.run(topic, seq, type, at, JSON.stringify(data ?? null));
    const event: JournalEvent = { topic, seq, type, at, data: data ?? null };
    pending.push(event);
    for (const hook of appendHooks.get(topic) ?? []) hook(event);
    return event;
  }

  /** SQLite rolled the shared transaction back on its own (I/O error, disk full): the batch is lost. */
  function abandon(open: Batch, err: unknown): void {
    if (batch === open) batch = null;
    if (fsyncBatches) db.pragma(`synchronous = ${level}`);
    fail(open, err);
  }

  /** One logical transaction inside the open batch: a savepoint, its events kept for the COMMIT. */
  function joinBatch<T>(open: Batch, fn: () => T): T {
    if (!db.inTransaction) {
      abandon(open, new Error('the group-commit transaction was rolled back by SQLite'));
      return transaction(fn);
    }
    const events: Pending = [];
    pending = events;
    let result: T;
    try {
      result = db.transaction(fn)();
    } catch (err) {
      if (!db.inTransaction) abandon(open, err);
      throw err;
    } finally {
      pending = null;
      seqs.clear();
    }
    open.events.push(...events);
    return result;
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction (writers serialise up front, so two processes on one
   * database cannot both allocate the same seq). Nested calls join the outer transaction; with a
   * batch open, `fn` joins the batch.
   */
  function transaction<T>(fn: () => T): T {
    if (pending) return fn();
    if (batch) return joinBatch(batch, fn);
    const events: Pending = [];
    pending = events;
    let result: T;
    try {
      result = db.transaction(fn).immediate();
    } finally {
      pending = null;
      seqs.clear();
    }
    // Behind batches still waiting for their fsync, so listeners see each topic in seq order.
    if (unsynced.some((b) => !b.acknowledged)) {
      const queued = newBatch(false);
      queued.events = events;
      unsynced.push(queued);
    } else {
      flush(events);
    }
    return result;
  }

  /** `transaction(fn)` with group commit: durable at the batch's COMMIT (see `durable`, `afterCommit`). */
  function batched<T>(fn: () => T): T {
    if (pending) return fn();
    if (!batch) {
      // Inside someone else's transaction, or group commit off: a plain transaction.
      if (!grouping() || db.inTransaction) return transaction(fn);
      if (fsyncBatches) db.pragma('synchronous = NORMAL');
      try {
        stmts.begin.run();
      } catch (err) {
        if (fsyncBatches) db.pragma(`synchronous = ${level}`);
        throw err;
      }
      batch = newBatch();
      setImmediate(commitNow);
    }
    return joinBatch(batch, fn);
  }

  function commitNow(): void {
    const done = batch;
    if (!done) return;
    // Still open while these run, so their writes join this batch.
    for (let cb = done.beforeCommit.shift(); cb; cb = done.beforeCommit.shift()) {
      try {
        cb();
      } catch (err) {
        report(err);
      }
    }
    if (batch !== done) return; // abandoned while the callbacks ran
    batch = null;
    let failure: { err: unknown } | null = null;
    try {
      stmts.commit.run();
    } catch (err) {
      failure = { err };
      try {
        if (db.inTransaction) stmts.rollback.run();
      } catch {
        /* the connection is already out of the transaction */
      }
    }
    if (fsyncBatches) db.pragma(`synchronous = ${level}`);
    if (failure) return fail(done, failure.err);
    if (!fsyncBatches) return acknowledge(done);
    unsynced.push(done);
    syncWal();
  }

  /**
   * Up to two WAL syncs in flight: a batch committed while one runs starts the next at once instead
   * of waiting for it. A sync covers what was committed before it started; batches are
   * acknowledged strictly in commit order, each once its own sync (and every earlier one) returned.
   */
  function syncWal(): void {
    if (inFlight >= MAX_SYNCS_IN_FLIGHT || closeFdAfterSync) return;
    const group = unsynced.filter((b) => !b.acknowledged && !b.covered && b.needsSync);
    if (group.length === 0) return;
    try {
      walFd ??= fs.openSync(`${db.name}-wal`, 'r');
    } catch (err) {
      for (const b of group) fail(b, err);
      acknowledgeReady();
      return;
    }
    for (const b of group) b.covered = true;
    inFlight++;
    // fdatasync, as SQLite itself syncs the WAL on Linux.
    fs.fdatasync(walFd, (err) => {
      inFlight--;
      for (const b of group) {
        if (b.acknowledged) continue;
        if (err) fail(b, err);
        else b.synced = true;
      }
      acknowledgeReady();
      if (closeFdAfterSync) {
        if (inFlight === 0 && walFd !== null) {
          fs.closeSync(walFd);
          walFd = null;
        }
        return;
      }
      syncWal();
    });
  }

  /** Acknowledges from the oldest while each is synced (or a plain transaction that only waited its turn). */
  function acknowledgeReady(): void {
    while (unsynced[0] && (unsynced[0].acknowledged || unsynced[0].synced || !unsynced[0].needsSync)) {
      const b = unsynced.shift()!;
      if (!b.acknowledged) acknowledge(b);
    }
  }

  function lastUnacknowledged(): Batch | undefined {
    for (let i = unsynced.length - 1; i >= 0; i--) if (!unsynced[i]!.acknowledged) return unsynced[i];
    return undefined;
  }

  function acknowledgeUnsynced(): void {
    for (const b of unsynced) if (!b.acknowledged) acknowledge(b);
    unsynced = [];
  }

  function fail(b: Batch, err: unknown): void {
    b.acknowledged = true;
    for (const w of b.waiters) w.reject(err);
    (onCommitError ?? report)(err);
  }

  function acknowledge(done: Batch): void {
    done.acknowledged = true;
    flush(done.events);
    for (const cb of done.afterCommit) {
      try {
        cb();
      } catch (err) {
        report(err);
      }
    }
    for (const w of done.waiters) w.resolve();
  }

  function read(topic: string, after: number, limit: number): JournalEvent[] {
    return stmts.after.all(topic, after, limit).map((r) => ({ topic: r.topic, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) }));
  }

  return {
    append,
    transaction,
    batched,
    read,
    lastSeq: (topic: string): number => stmts.lastSeq.get(topic)?.seq ?? 0,
    subscribe: bus.subscribe.bind(bus),
    subscribeAll: bus.subscribeAll.bind(bus),
    bus,
    /** Resolves once everything written so far is durable: committed and, under FULL, its WAL synced (at once when nothing waits). */
    durable(): Promise<void> {
      const open = batch ?? lastUnacknowledged();
      if (!open) return Promise.resolve();
      return new Promise((resolve, reject) => open.waiters.push({ resolve, reject }));
    },
    /**
     * Calls `fn` as each event of `topic` is written, before its transaction commits: for work that
     * should join the same group commit (`beforeCommit`), never for anything that tells the outside.
     * The transaction may still roll back.
     */
    onAppend(topic: string, fn: (event: JournalEvent) => void): () => void {
      const hooks = appendHooks.get(topic) ?? new Set();
      appendHooks.set(topic, hooks);
      hooks.add(fn);
      return () => hooks.delete(fn);
    },
    /** Runs `cb` inside the open batch just before it commits; false (and nothing runs) when no batch is open. */
    beforeCommit(cb: () => void): boolean {
      if (!batch) return false;
      batch.beforeCommit.push(cb);
      return true;
    },
    /** Runs `cb` once everything written so far is durable, in order with the listeners (now, when nothing waits). */
    afterCommit(cb: () => void): void {
      const open = batch ?? lastUnacknowledged();
      if (open) open.afterCommit.push(cb);
      else cb();
    },
    /** Commits the open batch now (shutdown, tests). */
    commitNow,
    close(): void {
      commitNow();
      if (walFd !== null) {
        if (unsynced.some((b) => !b.acknowledged)) fs.fdatasyncSync(walFd);
        // An fsync still in flight owns the descriptor until its callback.
        if (inFlight > 0) closeFdAfterSync = true;
        else {
          fs.closeSync(walFd);
          walFd = null;
        }
      }
      acknowledgeUnsynced();
      peers.delete(self);
      if (peers.size === 0) openJournals.delete(db.name);
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;
