import { describe, expect, it } from 'vitest';
import { postgresBinDir } from '../support/postgres';

describe('the throwaway PostgreSQL for tests', () => {
  it('fails with what to install when the server binaries are missing, never skips', () => {
    const saved = process.env.WEFT_TEST_PG_BIN;
    process.env.WEFT_TEST_PG_BIN = '/nonexistent/postgresql/bin';
    try {
      expect(() => postgresBinDir()).toThrow(/PostgreSQL server binaries not found.*"postgresql" package/);
    } finally {
      if (saved === undefined) delete process.env.WEFT_TEST_PG_BIN;
      else process.env.WEFT_TEST_PG_BIN = saved;
    }
  });

  it('finds the installed binaries', () => {
    expect(postgresBinDir()).toMatch(/\/bin$/);
  });
});
