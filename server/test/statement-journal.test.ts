import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { makeDataDir } from './helpers/server';

/** SQLite's temporary files this process holds open (created and unlinked at once: `(deleted)`). */
const openTempFiles = () =>
  fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.includes('etilqs_'));

describe('statement journal', () => {
  it('stays in memory when one statement rewrites many pages its transaction already changed', () => {
    const db = openDatabase({ dataDir: makeDataDir() });
    try {
      db.exec('CREATE TABLE journal_probe (id INTEGER PRIMARY KEY, v INTEGER NOT NULL UNIQUE, pad BLOB)');
      const insert = db.prepare('INSERT INTO journal_probe (v, pad) VALUES (?, zeroblob(1000))');
      let during: string[] = ['not run'];
      db.transaction(() => {
        for (let i = 0; i < 200; i++) insert.run(i);
        // Multi-row and able to fail on UNIQUE: SQLite journals the ~50 pages it rewrites for this
        // statement alone, which on disk (temp_store = FILE) goes to a temporary file past 64 KiB.
        db.prepare('UPDATE journal_probe SET v = v + 1000').run();
        during = openTempFiles();
      })();
      expect(during).toEqual([]);
      expect(db.prepare('SELECT MIN(v) AS v FROM journal_probe').get()).toEqual({ v: 1000 });
    } finally {
      db.close();
    }
  });
});
