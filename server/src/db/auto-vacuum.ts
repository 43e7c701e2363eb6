import type { Database } from 'better-sqlite3';

/** Existing databases up to this size are converted at start (one VACUUM: a second or so). */
export const CONVERT_MAX_BYTES = 64 * 1024 * 1024;

export type AutoVacuumState = 'incremental' | 'converted' | 'none';

/**
 * `auto_vacuum = INCREMENTAL`, so retention can hand freed pages back to the file system
 * (retention/file-space.ts). SQLite only accepts the mode on an empty file (called before
 * `journal_mode = WAL`, which writes the header, and before the first table); an
 * existing database needs one VACUUM to switch, which rewrites the whole file: done here when the
 * file is small, otherwise left to the operator (`none`, logged with the command by retention).
 * Without it, freed pages are still reused: the file stops growing, it just never shrinks.
 */
export function ensureIncrementalVacuum(db: Database, { maxBytes = CONVERT_MAX_BYTES } = {}): AutoVacuumState {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return 'incremental';
  const tables = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table'").get()!.n;
  const bytes = Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
  if (tables > 0 && bytes > maxBytes) return 'none';
  db.pragma('auto_vacuum = INCREMENTAL');
  if (tables === 0) return 'incremental';
  db.exec('VACUUM');
  return 'converted';
}
