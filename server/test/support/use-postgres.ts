import { afterAll, beforeAll } from 'vitest';
import { startTestPostgres, type TestPostgres } from './postgres';

/** For a test file: a server for the whole file (`beforeAll`), stopped in `afterAll`. */
export function usePostgres(): { server: () => TestPostgres } {
  let server: TestPostgres | null = null;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);
  return {
    server: () => {
      if (!server) throw new Error('usePostgres: the server starts in beforeAll');
      return server;
    },
  };
}

/** `url` with the server's name as its `application_name`, so pg_stat_activity (and a test killing one server's backends) tells the servers apart. */
export function namedConnection(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}
