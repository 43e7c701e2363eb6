import type { Db } from './open';
import { isStorageError, storageReason } from './storage-errors';

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
  // Allocates pages (so a full database or disk fails it) and leaves nothing behind. A bound buffer
  // (not SQLite's zeroblob) so PostgreSQL takes the same statement.
  const pad = Buffer.alloc(16384);
  const probe = db.transaction(() => {
    db.prepare('INSERT INTO storage_probe (pad) VALUES (?)').run(pad);
    db.prepare('DELETE FROM storage_probe').run();
  });

  return {
    /** A write failed; only storage errors count (a constraint or a bug is not the disk). */
    failed(err: unknown): void {
      if (!isStorageError(err)) return;
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
      try {
        probe.immediate();
        this.ok();
        return true;
      } catch (err) {
        this.failed(err);
        return false;
      }
    },
  };
}

export type StorageHealth = ReturnType<typeof createStorageHealth>;
