import pg from 'pg';
import { waitUntil } from './live-client';
import { namedConnection } from '../support/use-postgres';

/**
 * Another server's write, committed at the worst moment: `sql` (one statement, its values written in
 * as literals: see `literal`) runs in a transaction on a PostgreSQL connection of its own, which stays
 * open for `holdMs` after it, so a statement of the server under test that writes the same row waits
 * for its commit. Resolves once the statement ran and the transaction sleeps (the row is locked);
 * `committed` resolves when it commits.
 *
 * The whole transaction is one query: PostgreSQL commits it without this process, whose thread the
 * server under test blocks while its statement waits (its database calls are synchronous).
 */
export async function heldOpenUpdate(url: string, name: string, sql: string, holdMs: number): Promise<{ committed: Promise<unknown> }> {
  const other = new pg.Client({ connectionString: namedConnection(url, name) });
  await other.connect();
  const committed = other.query(`BEGIN; ${sql}; SELECT pg_sleep(${holdMs / 1000}); COMMIT;`).finally(() => other.end());
  const watcher = new pg.Client({ connectionString: url });
  await watcher.connect();
  try {
    await waitUntil(
      async () => (await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event = 'PgSleep'", [name])).rowCount === 1,
      10_000,
      'the other write to hold the row',
    );
  } finally {
    await watcher.end();
  }
  return { committed };
}

/** `value` as a SQL literal for `heldOpenUpdate`'s statement (null as NULL). */
export function literal(value: string | number | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}
