import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrate';

export type Db = Database;

/**
 * WAL with synchronous=FULL by default: a committed journal row survives power loss, at the cost of
 * one fsync per commit. NORMAL (WEFT_SYNCHRONOUS) may lose the last commits on power loss, never corrupts.
 */
export function openDatabase({ dataDir, synchronous = 'FULL' }: { dataDir: string; synchronous?: 'FULL' | 'NORMAL' }): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new BetterSqlite3(path.join(dataDir, 'weft.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
