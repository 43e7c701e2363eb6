import { StartupError } from '../../startup-failure';
import { storageProbe } from '../storage-probe';
import { migratePostgres } from './migrate';
import { PgDatabase } from './pg-database';

/**
 * The server's database on PostgreSQL (WEFT_DATABASE_URL): connected, migrated (under an advisory
 * lock, so servers starting together migrate once), and probed with a small write so a database
 * that refuses writes fails the start in one sentence rather than the first request.
 */
export function openPostgres(url: string, limits: { timeoutMs: number }): PgDatabase {
  let db: PgDatabase;
  try {
    db = new PgDatabase(url, limits);
  } catch (err) {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    const reason = (err as Error).message.replace(/^cannot connect to PostgreSQL: /, '');
    throw new StartupError(
      `Weft cannot connect to the PostgreSQL database in WEFT_DATABASE_URL (${shown.toString()}): ${reason}; check that PostgreSQL runs there and that the URL, user and password are right.`,
    );
  }
  try {
    migratePostgres(db);
    storageProbe(db, 16)();
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
