/**
 * Errors that say the database cannot be written right now (disk full, I/O error, read-only file,
 * lock held by another process), as opposed to a bug or a constraint: callers get 503
 * `storage_unavailable` and may retry; the engine recovers once a write commits again.
 */
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|PROTOCOL|NOLFS)/;
/**
 * PostgreSQL's SQLSTATEs for the same: connection lost (08), out of disk or memory (53), server
 * shutting down or unavailable (57P01-57P03), I/O error (58), read-only transaction (25006), a
 * statement past its statement_timeout (57014: the database too slow or a lock held too long), a
 * session ended idle in a transaction (25P03).
 */
const POSTGRES_STORAGE = /^(08...|53...|57P0[1-3]|57014|58...|25006|25P03)$/;
/** PgDatabase's own: its connection closed, timed out or its worker died (db/postgres/sync-connection.ts). */
const CONNECTION_LOST = new Set(['closed', 'timeout', 'worker_failed', 'connection_lost']);
/** The same conditions from the file system (the journal's own WAL fdatasync, files next to the database). */
const ERRNO_STORAGE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);
/** PostgreSQL aborted the transaction for another's sake: deadlock_detected, serialization_failure. */
const WRITE_CONFLICT = new Set(['40P01', '40001']);

/**
 * A transaction PostgreSQL aborted because it conflicted with another (servers writing the same
 * rows in opposite orders). Nothing of it was stored and running it again may succeed: the
 * journal reruns it (journal/conflict-retry.ts); one that still conflicts after that is a storage
 * error to its caller (503, try again), though the storage itself is healthy (`StorageHealth`).
 */
export function isWriteConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && WRITE_CONFLICT.has(code);
}

export function isStorageError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (SQLITE_STORAGE.test(code) || ERRNO_STORAGE.has(code) || POSTGRES_STORAGE.test(code) || WRITE_CONFLICT.has(code)) return true;
  return (err as Error).name === 'PgQueryError' && CONNECTION_LOST.has(code);
}

/** A short, driver-free reason for logs and `/api/ready` (never a path or an SQL text). */
export function storageReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  switch (true) {
    case code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT':
      return 'the disk is full';
    case typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code):
      return 'the database is locked by another process';
    case typeof code === 'string' && (/^SQLITE_(READONLY|CANTOPEN)/.test(code) || code === 'EROFS'):
      return 'the database cannot be written (read-only or no permission)';
    case typeof code === 'string' &&
      (/^(08|57P0|25P03)/.test(code) || code === 'closed' || code === 'timeout' || code === 'worker_failed' || code === 'connection_lost'):
      return 'the database server cannot be reached';
    case typeof code === 'string' && WRITE_CONFLICT.has(code):
      return 'the write kept conflicting with concurrent writes (deadlock)';
    case code === '57014':
      return 'a statement ran past the database’s statement timeout';
    case code === '53100':
      return 'the database server’s disk is full';
    default:
      return 'the database reported an I/O error';
  }
}
