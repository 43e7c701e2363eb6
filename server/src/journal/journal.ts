import fs from 'node:fs';
import type { JournalEvent } from '@weft/shared';
import type { Db } from '../db/open';
import { isStorageError } from '../db/storage-errors';
import type { Clock } from '../workflows/workflows-service';
import { EventBus } from './event-bus';

/**
 * One physical transaction's events: kept in memory and written together just before its COMMIT,
 * so nothing reads them (fan-out, replays, `lastSeq`) before they are committed.
 */
type Writes = {
  events: JournalEvent[];
  /** Last seq per topic. Exact while the write lock is held: the events above are not in the table yet. */
  seqs: Map<string, number>;
  /** Per topic, the latest snapshot event of each entity that no later event of that entity follows. */
  snapshots: Map<string, Map<string, JournalEvent>>;
  /** This journal began the physical transaction (not nested in someone else's): `known` seqs apply. */
  own: boolean;
};

/** One logical transaction (a savepoint): what to undo in its physical transaction's `Writes` if it rolls back. */
type Logical = {
  writes: Writes;
  eventsBefore: number;
  seqsBefore: Map<string, number | undefined>;
  replaced: { event: JournalEvent; data: unknown; at: string }[];
};

export type AppendOptions = {
  /** The entity the event is about (e.g. an execution id). */
  entity?: string;
  /**
   * The data is the entity's whole state: an earlier snapshot of the same type, not yet committed
   * and not followed by another event about the entity on this topic, is replaced in place instead
   * of adding an event. Nobody could have seen the state in between: it never committed.
   */
  snapshot?: boolean;
};

/** Events per multi-row INSERT. */
const INSERT_CHUNK = 16;
/** Topics whose last committed seq is remembered between transactions (all forgotten past this). */
const KNOWN_TOPICS = 10_000;

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
  writes: Writes;
  /** `ok` once the batch is durable; `failed` (if given) when it is not: rolled back, or its WAL sync failed. */
  afterCommit: { ok: () => void; failed?: (err: unknown) => void }[];
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
  onCommitted,
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
}) {
  const bus = new EventBus();
  const stmts = {
    lastSeq: db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE topic = ?'),
    after: db.prepare<[string, number, number], { topic: string; seq: number; type: string; at: string; data: string }>(
      'SELECT topic, seq, type, at, data FROM events WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    dataVersion: db.prepare<[], { data_version: number }>('PRAGMA data_version'),
    savepoint: db.prepare('SAVEPOINT weft_logical'),
    release: db.prepare('RELEASE weft_logical'),
    rollbackTo: db.prepare('ROLLBACK TO weft_logical'),
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
  let pending: Logical | null = null;
  const inserts = new Map<number, ReturnType<typeof db.prepare<unknown[]>>>();
  let batch: Batch | null = null;
  const report = onListenerError ?? (() => {});
  const committed = () => {
    try {
      onCommitted?.();
    } catch (err) {
      report(err);
    }
  };
  /** Called as an event is written, inside its transaction (see `onAppend`). */
  const appendHooks = new Map<string, Set<(event: JournalEvent) => void>>();

  const self = { commitNow };
  const peers = openJournals.get(db.name) ?? new Set();
  openJournals.set(db.name, peers);
  peers.add(self);
  if (peers.size > 1) for (const peer of peers) if (peer !== self) peer.commitNow();
  const grouping = () => peers.size === 1;
  const newWrites = (own = true): Writes => ({ events: [], seqs: new Map(), snapshots: new Map(), own });
  /**
   * Last committed seq per topic as this connection wrote it, so a busy topic is not looked up in
   * every transaction. Trusted only while no other connection committed since (PRAGMA data_version,
   * read once the write lock is held); otherwise forgotten.
   */
  const known = new Map<string, number>();
  let knownVersion: number | null = null;
  const checkKnown = () => {
    const version = stmts.dataVersion.get()!.data_version;
    if (version !== knownVersion) known.clear();
    knownVersion = version;
  };
  const rememberSeqs = (writes: Writes) => {
    if (!writes.own) {
      // Inside someone else's transaction, which commits (or not) later without this journal
      // knowing, and on this connection, so data_version will not tell: forget these topics.
      for (const topic of writes.seqs.keys()) known.delete(topic);
      return;
    }
    if (known.size + writes.seqs.size > KNOWN_TOPICS) known.clear();
    for (const [topic, seq] of writes.seqs) known.set(topic, seq);
  };
  const newBatch = (needsSync = true, writes = newWrites()): Batch => ({ acknowledged: false, covered: false, synced: false, needsSync, beforeCommit: [], writes, afterCommit: [], waiters: [] });

  const flush = (events: JournalEvent[]) => {
    for (const e of events) bus.publish(e, report);
  };

  function insertStatement(rows: number) {
    let stmt = inserts.get(rows);
    if (!stmt) {
      stmt = db.prepare<unknown[]>(`INSERT INTO events (topic, seq, type, at, data) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}`);
      inserts.set(rows, stmt);
    }
    return stmt;
  }

  /** Inside the physical transaction, just before COMMIT. Data appended to several topics is serialised once. */
  function writeEvents(events: readonly JournalEvent[]): void {
    const json = new Map<unknown, string>();
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      const chunk = events.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      for (const e of chunk) {
        let text = json.get(e.data);
        if (text === undefined) json.set(e.data, (text = JSON.stringify(e.data)));
        params.push(e.topic, e.seq, e.type, e.at, text);
      }
      insertStatement(chunk.length).run(...params);
    }
  }

  function append(topic: string, type: string, data: unknown, options: AppendOptions = {}): JournalEvent {
    if (!pending) {
      // A lone append is its own transaction.
      let event!: JournalEvent;
      transaction(() => {
        event = append(topic, type, data, options);
      });
      return event;
    }
    const { writes } = pending;
    const at = clock.now().toISOString();
    let entities = writes.snapshots.get(topic);
    if (options.entity === undefined) {
      // Not about one entity: nothing before it may change any more.
      entities?.clear();
    } else {
      const previous = entities?.get(options.entity);
      if (options.snapshot && previous && previous.type === type) {
        pending.replaced.push({ event: previous, data: previous.data, at: previous.at });
        previous.data = data ?? null;
        previous.at = at;
        for (const hook of appendHooks.get(topic) ?? []) hook(previous);
        return previous;
      }
    }
    if (!pending.seqsBefore.has(topic)) pending.seqsBefore.set(topic, writes.seqs.get(topic));
    const seq = (writes.seqs.get(topic) ?? (writes.own ? known.get(topic) : undefined) ?? stmts.lastSeq.get(topic)?.seq ?? 0) + 1;
    writes.seqs.set(topic, seq);
    const event: JournalEvent = { topic, seq, type, at, data: data ?? null };
    writes.events.push(event);
    if (options.entity !== undefined) {
      if (!entities) writes.snapshots.set(topic, (entities = new Map()));
      if (options.snapshot) entities.set(options.entity, event);
      else entities.delete(options.entity);
    }
    for (const hook of appendHooks.get(topic) ?? []) hook(event);
    return event;
  }

  /** Runs `fn` as one logical transaction over `writes`, undoing its journal writes if it throws. */
  function logical<T>(writes: Writes, fn: () => T): T {
    const outer = pending;
    const mark: Logical = { writes, eventsBefore: writes.events.length, seqsBefore: new Map(), replaced: [] };
    pending = mark;
    try {
      return fn();
    } catch (err) {
      writes.events.length = mark.eventsBefore;
      for (const [topic, seq] of mark.seqsBefore) {
        if (seq === undefined) writes.seqs.delete(topic);
        else writes.seqs.set(topic, seq);
      }
      for (const r of mark.replaced.reverse()) {
        r.event.data = r.data;
        r.event.at = r.at;
      }
      // Which snapshot is latest is no longer known: replace nothing written before this point.
      writes.snapshots.clear();
      throw err;
    } finally {
      pending = outer;
    }
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
    // A savepoint by hand: better-sqlite3's db.transaction() builds a new wrapper on every call.
    stmts.savepoint.run();
    try {
      const value = logical(open.writes, fn);
      stmts.release.run();
      return value;
    } catch (err) {
      if (db.inTransaction) {
        stmts.rollbackTo.run();
        stmts.release.run();
      } else {
        abandon(open, err);
      }
      throw err;
    }
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction (writers serialise up front, so two processes on one
   * database cannot both allocate the same seq). Nested calls join the outer transaction; with a
   * batch open, `fn` joins the batch.
   */
  function transaction<T>(fn: () => T): T {
    if (pending) return fn();
    if (batch) return joinBatch(batch, fn);
    const writes = newWrites(!db.inTransaction);
    let result: T;
    try {
      result = db
        .transaction(() => {
          if (writes.own) checkKnown();
          const value = logical(writes, fn);
          writeEvents(writes.events);
          return value;
        })
        .immediate();
    } catch (err) {
      if (!writes.own) rememberSeqs(writes);
      if (writes.own && isStorageError(err)) (onCommitError ?? report)(err);
      throw err;
    }
    rememberSeqs(writes);
    if (writes.own) committed();
    // Behind batches still waiting for their fsync, so listeners see each topic in seq order.
    if (unsynced.some((b) => !b.acknowledged)) unsynced.push(newBatch(false, writes));
    else flush(writes.events);
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
        checkKnown();
      } catch (err) {
        if (db.inTransaction) stmts.rollback.run();
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
      writeEvents(done.writes.events);
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
    rememberSeqs(done.writes);
    committed();
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
    for (const cb of b.afterCommit) {
      try {
        cb.failed?.(err);
      } catch (cbErr) {
        report(cbErr);
      }
    }
    for (const w of b.waiters) w.reject(err);
    (onCommitError ?? report)(err);
  }

  function acknowledge(done: Batch): void {
    done.acknowledged = true;
    flush(done.writes.events);
    for (const cb of done.afterCommit) {
      try {
        cb.ok();
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
    /** The highest committed seq of `topic` (inside a transaction: including what it appended). */
    lastSeq: (topic: string): number => pending?.writes.seqs.get(topic) ?? stmts.lastSeq.get(topic)?.seq ?? 0,
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
    /**
     * Runs `cb` once everything written so far is durable, in order with the listeners (now, when
     * nothing waits); `failed` instead when that write is rolled back or its sync fails.
     */
    afterCommit(cb: () => void, failed?: (err: unknown) => void): void {
      const open = batch ?? lastUnacknowledged();
      if (open) open.afterCommit.push(failed ? { ok: cb, failed } : { ok: cb });
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
