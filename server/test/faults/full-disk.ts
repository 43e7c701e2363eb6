import type { Db } from '../../src/db/open';

/**
 * A full disk for one SQLite connection, without root: `PRAGMA max_page_count` caps the file at
 * its size, and filler rows use up its free pages, so any write that needs a page fails with
 * SQLITE_FULL as on a full disk. `roomy()` lifts the cap and deletes the filler.
 */
export function fullDisk(db: Db) {
  return {
    full() {
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      const fill = db.prepare('INSERT INTO storage_probe (pad) VALUES (zeroblob(1024))');
      try {
        for (;;) fill.run();
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_FULL') throw err;
      }
    },
    roomy() {
      db.pragma('max_page_count = 1073741823');
      db.prepare('DELETE FROM storage_probe').run();
    },
  };
}
