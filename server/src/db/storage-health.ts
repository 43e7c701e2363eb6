import type { Db } from './open';
import { isStorageError, isWriteConflict, storageReason } from './storage-errors';
import { storageProbe } from './storage-probe';

export type StorageFailure = { reason: string; code: string; since: string };

/**
 * Whether the database took writes lately: failed by a write that could not commit (disk full,
 * I/O error), healthy again at the next write that commits. `/api/ready` reports it; the engine
 * ticker probes with a small write while it is failed, so recovery is noticed even when nothing
 * else writes.
 */
export function createStorageHealth({
  db,
  now = () => new Date(),
  log,
}: {
  db: Db;
  now?: () => Date;
  log: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
}) {
  let failure: StorageFailure | null = null;
  const probe = storageProbe(db);
  /** When the last probe ran (performance.now(): the app clock may be a test's, standing still). */
  let probedAt: number | undefined;

  return {
    /**
     * A write failed; only storage errors count (a constraint or a bug is not the disk), and not a
     * write that lost a deadlock to another server's: the database is healthy.
     */
    failed(err: unknown): void {
      if (!isStorageError(err) || isWriteConflict(err)) return;
      const code = String((err as { code: unknown }).code);
      if (failure) return;
      failure = { reason: storageReason(err), code, since: now().toISOString() };
      log.error({ code, reason: failure.reason }, 'storage failed: writes are refused until it recovers');
    },
    /** A write committed. */
    ok(): void {
      if (!failure) return;
      log.info({ since: failure.since }, 'storage recovered: writes commit again');
      failure = null;
    },
    get failure(): StorageFailure | null {
      return failure;
    },
    /** One small write, outside any open transaction; true when it committed. */
    probe(): boolean {
      if (db.inTransaction) return false;
      probedAt = performance.now();
      try {
        probe.immediate();
        this.ok();
        return true;
      } catch (err) {
        this.failed(err);
        return false;
      }
    },
    /**
     * For `/api/ready`: a probe at most every `everyMs` while healthy (the last result stands in
     * between, so callers cannot make the server write on every request), every call while failed.
     * A transaction open now (a group-commit batch) is waited for, up to OPEN_TRANSACTION_WAIT_MS,
     * so the answer is a probe's rather than the state before it.
     */
    async check(everyMs: number): Promise<void> {
      if (!failure && probedAt !== undefined && performance.now() - probedAt < everyMs) return;
      const until = performance.now() + OPEN_TRANSACTION_WAIT_MS;
      while (db.inTransaction && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
      this.probe();
    },
  };
}

/** A group-commit batch commits on the next turn, or within 20 ms when held behind a sync (journal/group-commit.ts). */
const OPEN_TRANSACTION_WAIT_MS = 200;

export type StorageHealth = ReturnType<typeof createStorageHealth>;
