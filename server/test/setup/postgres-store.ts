import { startTestPostgres, type TestPostgres } from '../support/postgres';

/**
 * globalSetup of the `server-postgres` project: one throwaway cluster for the whole run (or the
 * server in WEFT_TEST_DATABASE_URL), on which every test server gets a fresh database
 * (helpers/server.ts, when WEFT_TEST_STORE=postgres). Stopped and removed when the run ends.
 */
let postgres: TestPostgres | null = null;

export async function setup(): Promise<void> {
  postgres = await startTestPostgres();
  // Workers start after this and inherit it: they create their databases on this server.
  process.env.WEFT_TEST_DATABASE_URL = postgres.url;
  process.env.WEFT_TEST_STORE = 'postgres';
}

export async function teardown(): Promise<void> {
  await postgres?.stop();
}
