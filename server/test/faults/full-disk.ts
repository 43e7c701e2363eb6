import { asSqlite, type Db } from '../../src/db/open';
import { storeKind } from '../../src/db/store';

/** The error code a write fails with on a full disk: SQLite's, or PostgreSQL's SQLSTATE disk_full. */
export const diskFullCode = (db: Db): string => (storeKind(db) === 'postgres' ? '53100' : 'SQLITE_FULL');

/**
 * A full disk for one SQLite connection, without root: `PRAGMA max_page_count` caps the file at
 * its size, and filler rows use up its free pages, so any write that needs a page fails with
 * SQLITE_FULL as on a full disk. `roomy()` lifts the cap and deletes the filler.
 *
 * On PostgreSQL (a server elsewhere, whose disk a test cannot fill) every INSERT and UPDATE fails
 * with SQLSTATE 53100 (disk_full) through a trigger on each table: stricter than a full SQLite
 * file, where a write that fits in a free page still succeeds.
 */
export function fullDisk(store: Db) {
  if (storeKind(store) === 'postgres') return postgresFullDisk(store);
  const db = asSqlite(store, 'the full-disk fault');
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

function postgresFullDisk(db: Db) {
  const eachTable = (sql: string) => `DO $$ DECLARE t record; BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('${sql}', t.tablename); END LOOP; END $$`;
  return {
    full() {
      db.exec(`CREATE OR REPLACE FUNCTION weft_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`);
      db.exec(eachTable('CREATE TRIGGER weft_test_disk_full BEFORE INSERT OR UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION weft_test_disk_full()'));
    },
    roomy() {
      db.exec(eachTable('DROP TRIGGER IF EXISTS weft_test_disk_full ON %I'));
    },
  };
}
