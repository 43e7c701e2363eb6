// One process migrating a PostgreSQL database (the concurrent-migration test starts three).
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';

const db = new PgDatabase(process.env.WEFT_TEST_MIGRATE_URL!);
try {
  const { applied } = migratePostgres(db);
  process.stdout.write(`${JSON.stringify({ applied })}\n`);
} finally {
  db.close();
}
