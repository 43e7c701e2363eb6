import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { StartupError } from '../startup-failure';
import { ensureIncrementalVacuum } from './auto-vacuum';
import { migrate } from './migrate';
import { type SqlDatabase, storeKind } from './store';

/** The server's database: SQLite (better-sqlite3) or PostgreSQL (db/postgres/), through the store contract. */
export type Db = SqlDatabase;
/** SQLite's own connection, for what only SQLite has (PRAGMAs, WAL checkpoints, backups, file space). */
export type SqliteDb = Database;

/** `db` as SQLite's own connection, for a SQLite-only feature; on PostgreSQL an error naming the feature. */
export function asSqlite(db: Db, feature: string): SqliteDb {
  if (storeKind(db) !== 'sqlite') throw new Error(`${feature} is SQLite-only: the server runs on PostgreSQL (WEFT_DATABASE_URL)`);
  return db as SqliteDb;
}

/** The database's file name inside WEFT_DATA_DIR (backups and restores name it too). */
export const DATABASE_FILE = 'weft.db';
export const databasePath = (dataDir: string) => path.join(dataDir, DATABASE_FILE);

/** Owner-only: the database holds workflow inputs, step outputs and chat history. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * WAL with synchronous=FULL by default: a committed journal row survives power loss, at the cost of
 * one fsync per commit. NORMAL (WEFT_SYNCHRONOUS) may lose the last commits on power loss, never corrupts.
 * The data dir is created 0700; the database, its WAL and shared-memory files are 0600.
 */
export function openDatabase({ dataDir, synchronous = 'FULL' }: { dataDir: string; synchronous?: 'FULL' | 'NORMAL' }): SqliteDb {
  if (!fs.existsSync(dataDir)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    // mkdir applies the umask, which may only narrow it; chmod makes it exactly 0700.
    fs.chmodSync(dataDir, DIR_MODE);
  }
  const file = databasePath(dataDir);
  // Created owner-only before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
  fs.closeSync(fs.openSync(file, 'a', FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (fs.existsSync(f) && (fs.statSync(f).mode & 0o777) !== FILE_MODE) fs.chmodSync(f, FILE_MODE);
  }
  const db = new BetterSqlite3(file);
  try {
    // Before WAL and the first table (which both fix the mode), or converted while small:
    // retention gives freed pages back (db/auto-vacuum.ts).
    ensureIncrementalVacuum(db);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new StartupError(
        `SQLite cannot use WAL mode in WEFT_DATA_DIR (${dataDir}), which Weft needs (several processes share the database through it); set WEFT_DATA_DIR to a folder on a local disk.`,
      );
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // A statement that rewrites more than 16 pages the open transaction already changed (a group
    // commit's batch holds many) spills its statement journal to a temporary file, created and
    // unlinked each time: five syscalls and a dozen writes per webhook run at concurrency 1. Kept in
    // memory it is bounded by the statement's own pages.
    db.pragma('temp_store = MEMORY');
    migrate(db);
    // A disk too full (or a file too read-only) for a small write fails the start here, in one
    // sentence, rather than the first request. Allocates pages and leaves nothing behind.
    db.transaction(() => {
      db.prepare('INSERT INTO storage_probe (pad) VALUES (zeroblob(16384))').run();
      db.prepare('DELETE FROM storage_probe').run();
    }).immediate();
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
