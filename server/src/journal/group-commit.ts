import fs from 'node:fs';
import type { JournalEvent } from '@weft/shared';
import { asSqlite, type Db } from '../db/open';
import { storeKind } from '../db/store';
import type { EventTable } from './event-table';
import { newWrites, type Writes } from './pending-writes';
import type { Sequences } from './sequences';

/** Durations (seconds) for `weft_journal_*_duration_seconds`; called once per batch, so they cost the hot path only an observe. */
export type CommitTimings = {
  /** Writing a batch's events and its COMMIT. */
  commit(seconds: number): void;
  /** One WAL sync (synchronous=FULL), from its start to its callback. */
  fsync(seconds: number): void;
};

/**
 * Where a batch is in its life. A batch is the writes that share one physical transaction; a plain
 * transaction committed while batches wait for their WAL sync joins the queue as a `queued` batch.
 *
 *   open ──COMMIT──▶ committed ──sync starts──▶ syncing ──sync returns──▶ synced ──earlier ones done──▶ acknowledged
 *     │                  │                          │
 *     ├──(synchronous below FULL: the COMMIT is durable)──────────────────────────────────────────────▶ acknowledged
 *     └──rolled back─────┴──────sync failed─────────┴──▶ failed
 *   queued ──earlier ones done──▶ acknowledged
 *
 * `close()` acknowledges whatever still waits, after one blocking sync.
 */
type BatchState =
  /** The shared transaction is open: logical transactions join it as savepoints. */
  | { kind: 'open'; beforeCommit: (() => void)[] }
  /** Committed with synchronous=NORMAL; waits for a WAL sync that starts after its COMMIT. */
  | { kind: 'committed' }
  /** Such a sync is running. */
  | { kind: 'syncing' }
  /** That sync returned; acknowledged once every batch committed before it is. */
  | { kind: 'synced' }
  /** A plain transaction (its own COMMIT synced it) waiting behind batches, so listeners see each topic in seq order. */
  | { kind: 'queued' }
  /** Durable: listeners, `afterCommit` callbacks and waiters ran. */
  | { kind: 'acknowledged' }
  /** Rolled back, or its sync failed: failure callbacks ran, waiters were rejected. */
  | { kind: 'failed' };
type BatchKind = BatchState['kind'];

const TRANSITIONS: { readonly [K in BatchKind]: readonly BatchKind[] } = {
  open: ['committed', 'acknowledged', 'failed'],
  committed: ['syncing', 'acknowledged', 'failed'],
  syncing: ['synced', 'acknowledged', 'failed'],
  synced: ['acknowledged'],
  queued: ['acknowledged'],
  acknowledged: [],
  failed: [],
};

/**
 * `ok` once a write is durable; `failed` (if given) when it is not: rolled back, or its WAL sync failed.
 * With `at: 'commit'`, `ok` runs at the COMMIT instead, before the WAL sync (see `afterCommitted`).
 */
export type AfterCommit = { ok: () => void; failed?: (err: unknown) => void; at?: 'commit' };

export type Batch = {
  state: BatchState;
  writes: Writes;
  /** `afterCommitted` callbacks: run (and emptied) at the COMMIT, or told it failed if it never comes. */
  committed: AfterCommit[];
  afterCommit: AfterCommit[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
};

function move(batch: Batch, next: BatchState): void {
  if (!TRANSITIONS[batch.state.kind].includes(next.kind)) throw new Error(`journal batch cannot go from ${batch.state.kind} to ${next.kind}`);
  batch.state = next;
}

const settled = (b: Batch) => b.state.kind === 'acknowledged' || b.state.kind === 'failed';

/** SQLite's synchronous=NORMAL: a COMMIT needs no WAL sync of ours to be acknowledged. */
const COMMIT_IS_DURABLE = 1;
/** WAL syncs running at once (see `syncWal`). */
const MAX_SYNCS_IN_FLIGHT = 2;
/** Longest a batch is held open behind a running WAL sync (see `commitWhenSynced`). */
const MAX_HOLD_MS = 20;

/**
 * Group commits open in this process, by database file. Group commit holds the write lock across
 * I/O callbacks; a second connection to the same file in this process would block the thread
 * waiting for that lock, so group commit is on only while a journal is alone on its file here.
 * (Other processes just wait for the lock, as with any writer.)
 */
const openGroups = new Map<string, Set<{ commitNow(): void }>>();

/**
 * Group commit: one IMMEDIATE transaction shared by the logical transactions of one turn of the
 * event loop, committed on the next `setImmediate`, so they pay for one fsync together.
 *
 * With synchronous=FULL the batch commits with synchronous=NORMAL and the WAL is then fsynced on
 * libuv's thread pool: the event loop keeps serving while the disk syncs, and nothing in the batch
 * is acknowledged before that fsync returns, so what was acknowledged survives power loss as with
 * FULL. Batches are acknowledged in commit order, and a plain transaction committed while some
 * wait is acknowledged after them, so listeners always see a topic's events in seq order.
 */
export function createGroupCommit({
  db,
  table,
  sequences,
  publish,
  committed,
  report,
  reportCommitError,
  timings,
}: {
  db: Db;
  table: EventTable;
  sequences: Sequences;
  /** Fans committed events out to listeners. */
  publish: (events: readonly JournalEvent[]) => void;
  /** After each COMMIT, with no transaction open. */
  committed: () => void;
  /** A callback that threw. */
  report: (err: unknown) => void;
  /** A batch that could not be made durable. */
  reportCommitError: (err: unknown) => void;
  timings?: CommitTimings;
}) {
  const stmts = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
  // The connection's level as configured. PRAGMA synchronous takes effect when prepared, so it is
  // set anew each time (db.exec: compiled and run in one call, no Statement object), never by re-running a prepared statement.
  // On PostgreSQL the COMMIT is itself durable (synchronous_commit = on): batches are acknowledged
  // at their COMMIT, as SQLite's are below FULL, and there is no WAL file of ours to sync.
  const level = storeKind(db) === 'postgres' ? COMMIT_IS_DURABLE : (asSqlite(db, 'synchronous').pragma('synchronous', { simple: true }) as number);
  // FULL (2) or EXTRA (3): acknowledged writes must be on disk, so batches fsync the WAL themselves.
  const fsyncBatches = level >= 2;
  const restoreSql = `PRAGMA synchronous = ${level}`;
  let open: Batch | null = null;
  /** Committed batches (and plain transactions queued behind them) not yet settled, oldest first. */
  let unsynced: Batch[] = [];
  const wal = {
    fd: null as number | null,
    inFlight: 0,
    closeAfterSync: false,
    /** A batch is held open until the running sync returns (see commitWhenSynced). */
    commitAfterSync: false,
    holdTimer: undefined as NodeJS.Timeout | undefined,
  };

  const self = { commitNow };
  const peers = openGroups.get(db.name) ?? new Set();
  openGroups.set(db.name, peers);
  peers.add(self);
  if (peers.size > 1) for (const peer of peers) if (peer !== self) peer.commitNow();

  const newBatch = (state: BatchState, writes = newWrites()): Batch => ({ state, writes, committed: [], afterCommit: [], waiters: [] });
  const restoreLevel = () => {
    if (fsyncBatches) db.exec(restoreSql);
  };

  /** Opens a batch (BEGIN IMMEDIATE, committed on the next `setImmediate`); null when group commit is off or a transaction is already open. */
  function begin(): Batch | null {
    if (peers.size > 1 || db.inTransaction) return null;
    if (fsyncBatches) db.exec('PRAGMA synchronous = NORMAL');
    try {
      stmts.begin.run();
      sequences.checkKnown();
    } catch (err) {
      if (db.inTransaction) stmts.rollback.run();
      restoreLevel();
      throw err;
    }
    open = newBatch({ kind: 'open', beforeCommit: [] });
    setImmediate(commitWhenSynced);
    return open;
  }

  /**
   * The batch's turn is over. While a WAL sync is running, the batch stays open until that sync
   * returns (the sync's callback commits it): the work arriving meanwhile joins it, so under load one
   * COMMIT and one sync serve many requests, and none is acknowledged later than it would have been,
   * as its own sync could only have finished after the running one anyway (one WAL file). With no sync
   * running it commits now, as before.
   */
  function commitWhenSynced(): void {
    if (open?.state.kind !== 'open') return;
    if (fsyncBatches && wal.inFlight > 0 && !wal.closeAfterSync) {
      wal.commitAfterSync = true;
      // A sync that stalls does not keep the write lock (and this batch) for longer than this.
      const held = open;
      wal.holdTimer = setTimeout(() => {
        if (open === held) commitNow();
      }, MAX_HOLD_MS);
      return;
    }
    commitNow();
  }

  /**
   * The batch is lost: SQLite rolled the shared transaction back on its own (I/O error, disk full), or
   * it is gone under a savepoint (PostgreSQL's connection lost). What is left of it is rolled back,
   * and everything waiting on the batch is told.
   */
  function abandon(batch: Batch, err: unknown): void {
    if (open === batch) open = null;
    if (db.inTransaction) {
      try {
        stmts.rollback.run();
      } catch {
        // Already out of the transaction.
      }
    }
    restoreLevel();
    fail(batch, err);
  }

  function commitNow(): void {
    const done = open;
    if (done?.state.kind !== 'open') return;
    if (wal.commitAfterSync) {
      wal.commitAfterSync = false;
      clearTimeout(wal.holdTimer);
    }
    // Still open while these run, so their writes join this batch.
    const callbacks = done.state.beforeCommit;
    for (let cb = callbacks.shift(); cb; cb = callbacks.shift()) {
      try {
        cb();
      } catch (err) {
        report(err);
      }
    }
    if (open !== done) return; // abandoned while the callbacks ran
    open = null;
    let failure: { err: unknown } | null = null;
    const started = performance.now();
    try {
      sequences.assign(done.writes);
      table.write(done.writes.events);
      stmts.commit.run();
    } catch (err) {
      failure = { err };
      try {
        if (db.inTransaction) stmts.rollback.run();
      } catch {
        /* the connection is already out of the transaction */
      }
    }
    restoreLevel();
    if (failure) {
      fail(done, failure.err);
      return;
    }
    timings?.commit((performance.now() - started) / 1000);
    sequences.remember(done.writes);
    committed();
    for (const cb of done.committed.splice(0)) {
      try {
        cb.ok();
      } catch (err) {
        report(err);
      }
    }
    if (!fsyncBatches) {
      acknowledge(done);
      return;
    }
    move(done, { kind: 'committed' });
    unsynced.push(done);
    syncWal();
  }

  /**
   * Up to two WAL syncs in flight: a batch committed while one runs starts the next at once instead
   * of waiting for it. A sync covers what was committed before it started; batches are
   * acknowledged strictly in commit order, each once its own sync (and every earlier one) returned.
   */
  function syncWal(): void {
    if (wal.inFlight >= MAX_SYNCS_IN_FLIGHT || wal.closeAfterSync) return;
    const group = unsynced.filter((b) => b.state.kind === 'committed');
    if (group.length === 0) return;
    try {
      wal.fd ??= fs.openSync(`${db.name}-wal`, 'r');
    } catch (err) {
      for (const b of group) fail(b, err);
      acknowledgeReady();
      return;
    }
    for (const b of group) move(b, { kind: 'syncing' });
    wal.inFlight++;
    const started = performance.now();
    // fdatasync, as SQLite itself syncs the WAL on Linux.
    fs.fdatasync(wal.fd, (err) => {
      wal.inFlight--;
      if (!err) timings?.fsync((performance.now() - started) / 1000);
      for (const b of group) {
        if (settled(b)) continue;
        if (err) fail(b, err);
        else move(b, { kind: 'synced' });
      }
      acknowledgeReady();
      if (wal.commitAfterSync && wal.inFlight === 0) {
        // The batch held open behind this sync (see commitWhenSynced): it commits and starts the next.
        commitNow();
        return;
      }
      if (wal.closeAfterSync) {
        if (wal.inFlight === 0 && wal.fd !== null) {
          fs.closeSync(wal.fd);
          wal.fd = null;
        }
        return;
      }
      syncWal();
    });
  }

  /** Acknowledges from the oldest while each is synced (or a plain transaction that only waited its turn). */
  function acknowledgeReady(): void {
    while (unsynced[0] && (settled(unsynced[0]) || unsynced[0].state.kind === 'synced' || unsynced[0].state.kind === 'queued')) {
      const b = unsynced.shift()!;
      if (!settled(b)) acknowledge(b);
    }
  }

  /** The batch whose acknowledgement covers everything written so far, if any waits. */
  function latest(): Batch | undefined {
    if (open) return open;
    for (let i = unsynced.length - 1; i >= 0; i--) if (!settled(unsynced[i]!)) return unsynced[i];
    return undefined;
  }

  function fail(b: Batch, err: unknown): void {
    // A batch settles once: its callbacks and waiters never hear twice.
    if (settled(b)) {
      reportCommitError(err);
      return;
    }
    move(b, { kind: 'failed' });
    // `committed` is empty once the COMMIT ran: those callbacks heard `ok` already.
    for (const cb of [...b.committed.splice(0), ...b.afterCommit]) {
      try {
        cb.failed?.(err);
      } catch (cbErr) {
        report(cbErr);
      }
    }
    for (const w of b.waiters) w.reject(err);
    reportCommitError(err);
  }

  function acknowledge(done: Batch): void {
    move(done, { kind: 'acknowledged' });
    publish(done.writes.events);
    for (const cb of done.afterCommit) {
      try {
        cb.ok();
      } catch (err) {
        report(err);
      }
    }
    for (const w of done.waiters) w.resolve();
  }

  return {
    /** The batch open on the connection, if any: logical transactions join it. */
    open: (): Batch | null => open,
    begin,
    abandon,
    commitNow,
    /** A plain transaction committed: its events go out now, or behind the batches still waiting for their sync. */
    publishInOrder(writes: Writes): void {
      if (unsynced.some((b) => !settled(b))) unsynced.push(newBatch({ kind: 'queued' }, writes));
      else publish(writes.events);
    },
    /** Resolves once everything written so far is durable (at once when nothing waits). */
    durable(): Promise<void> {
      const batch = latest();
      if (!batch) return Promise.resolve();
      return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
    },
    beforeCommit(cb: () => void): boolean {
      if (open?.state.kind !== 'open') return false;
      open.state.beforeCommit.push(cb);
      return true;
    },
    /** Runs `cb` at the open batch's COMMIT (before its WAL sync), or now when no batch is open: what was written is committed. */
    afterCommitted(cb: () => void, failed?: (err: unknown) => void): void {
      if (open?.state.kind === 'open') open.committed.push(failed ? { ok: cb, failed } : { ok: cb });
      else cb();
    },
    afterCommit(cb: () => void, failed?: (err: unknown) => void): void {
      const batch = latest();
      if (batch) batch.afterCommit.push(failed ? { ok: cb, failed } : { ok: cb });
      else cb();
    },
    close(): void {
      commitNow();
      if (wal.fd !== null) {
        if (unsynced.some((b) => !settled(b))) fs.fdatasyncSync(wal.fd);
        // An fsync still in flight owns the descriptor until its callback.
        if (wal.inFlight > 0) wal.closeAfterSync = true;
        else {
          fs.closeSync(wal.fd);
          wal.fd = null;
        }
      }
      for (const b of unsynced) if (!settled(b)) acknowledge(b);
      unsynced = [];
      peers.delete(self);
      if (peers.size === 0) openGroups.delete(db.name);
    },
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
