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
