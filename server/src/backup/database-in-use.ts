import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

const codeOf = (err: unknown) => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);

/**
 * Whether another process has the database open, e.g. a running server. Every WAL-mode connection
 * holds a shared lock on the database file for as long as it is open, even when idle, so an
 * exclusive lock taken without waiting succeeds only when nobody else has the file open. The
 * kernel drops those locks when a process dies, so a crashed server leaves nothing stale behind
 * (unlike a pid file). Closing this probe connection, the last one, also checkpoints the WAL.
 */
export function databaseInUse(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const db = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    const code = codeOf(err);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
    // Not a database at all: no server can be using it as one.
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return false;
    throw err;
  } finally {
    db.close();
  }
}
