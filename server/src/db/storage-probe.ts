import type { SqlDatabase } from './store';

/**
 * The write that tells whether the database takes writes: allocates pages (so a full database or
 * disk fails it) and leaves nothing behind. A bound buffer (not SQLite's zeroblob) so PostgreSQL
 * takes the same statement. The start on PostgreSQL and `/api/ready` (storage-health.ts) use it.
 */
export function storageProbe(db: SqlDatabase, bytes = 16384) {
  const pad = Buffer.alloc(bytes);
  const insert = db.prepare('INSERT INTO storage_probe (pad) VALUES (?)');
  const clear = db.prepare('DELETE FROM storage_probe');
  return db.transaction(() => {
    insert.run(pad);
    clear.run();
  });
}
