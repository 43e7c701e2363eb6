import { afterAll } from 'vitest';
import { dropTestDatabases } from '../helpers/server';

// Setup files' afterAll hooks run after the test file's own (which close its servers): then its
// databases are dropped, so none stays on a server given in WEFT_TEST_DATABASE_URL.
afterAll(async () => {
  await dropTestDatabases();
}, 60_000);
