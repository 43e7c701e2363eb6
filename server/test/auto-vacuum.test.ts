import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ensureIncrementalVacuum } from '../src/db/auto-vacuum';
import { openDatabase } from '../src/db/open';
import { makeDataDir } from './helpers/server';

/** A database as an earlier version left it: WAL, auto_vacuum off, some rows. */
function legacyDatabase(rows: number) {
  const file = path.join(makeDataDir(), 'weft.db');
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x TEXT)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(200));
  })();
  expect(db.pragma('auto_vacuum', { simple: true })).toBe(0);
  return db;
}

describe('auto_vacuum', () => {
  it('is incremental on a new database', () => {
    const db = openDatabase({ dataDir: makeDataDir() });
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });

  it('converts an existing small database with one VACUUM, keeping its rows', () => {
    const db = legacyDatabase(1000);
    expect(ensureIncrementalVacuum(db)).toBe('converted');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1000 });
    db.close();
  });

  it('leaves a database past the size limit as it is (the server logs how to convert it)', () => {
    const db = legacyDatabase(1000);
    expect(ensureIncrementalVacuum(db, { maxBytes: 4096 })).toBe('none');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(0);
    db.close();
  });
});
