/**
 * Errors that say the database cannot be written right now (disk full, I/O error, read-only file,
 * lock held by another process), as opposed to a bug or a constraint: callers get 503
 * `storage_unavailable` and may retry; the engine recovers once a write commits again.
 */
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|PROTOCOL|NOLFS)/;
/** The same conditions from the file system (the journal's own WAL fdatasync, files next to the database). */
const ERRNO_STORAGE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);

export function isStorageError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return SQLITE_STORAGE.test(code) || ERRNO_STORAGE.has(code);
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
    default:
      return 'the database reported an I/O error';
  }
}
