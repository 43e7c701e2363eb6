import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { abbreviate, translate, UnsupportedSqlError } from '../../src/db/postgres/dialect';
import { migratePostgres } from '../../src/db/postgres/migrate';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { startServer } from '../helpers/server';
import { usePostgres } from '../support/use-postgres';

/**
 * Every statement the server prepares while it starts (its repositories prepare theirs then),
 * checked against the PostgreSQL schema with PREPARE: PostgreSQL parses and type-checks it there
 * (unknown functions, rowid, untyped parameters, GROUP BY strictness) without running it.
 */

const server = usePostgres();
let pg: PgDatabase | null = null;
afterAll(() => pg?.close());

/**
 * Statements PostgreSQL cannot take, each where the server never sends it to PostgreSQL: SQLite-only
 * modules, or SQL chosen by `storeKind(db)` whose PostgreSQL variant is tested in portable-sql.test.ts.
 * Each must still occur (a stale entry fails too).
 */
const SQLITE_SIDE: [pattern: RegExp, where: string][] = [
  [/sqlite_schema/, 'db/auto-vacuum.ts: the SQLite file’s vacuum mode'],
  [/zeroblob\(/, 'db/open.ts: the SQLite start-up write probe'],
  [/total_changes\(\)|PRAGMA data_version/, 'db/checkpointer.ts: WAL checkpoints'],
  [/\bINDEXED\b/, 'retention/execution-pruner.ts: chosen by store kind'],
  [/rowid/, 'executions/executions-repository.ts: chosen by store kind'],
];

/** Statements with no PREPARE form (transaction control, DDL): PostgreSQL runs those as they are. */
const NOT_PREPARABLE = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|CREATE|DROP|ALTER)\b/i;

async function preparedAtStart(): Promise<string[]> {
  const proto = BetterSqlite3.prototype as unknown as { prepare: (source: string) => unknown };
  const original = proto.prepare;
  const seen = new Set<string>();
  proto.prepare = function (this: unknown, source: string) {
    seen.add(source);
    return original.call(this, source);
  };
  try {
    const s = await startServer();
    await s.close();
  } finally {
    proto.prepare = original;
  }
  return [...seen];
}

describe('the server statements on PostgreSQL', () => {
  it('PostgreSQL accepts every statement the server prepares at start, or refuses it as SQLite-only', async () => {
    const sources = await preparedAtStart();
    expect(sources.length).toBeGreaterThan(200);
    pg = new PgDatabase(await server.server().createDatabase());
    migratePostgres(pg);
    const refused: string[] = [];
    const failed: string[] = [];
    for (const source of sources) {
      let text: string;
      try {
        text = translate(source).text;
      } catch (err) {
        if (!(err instanceof UnsupportedSqlError)) throw err;
        refused.push(abbreviate(source));
        continue;
      }
      if (NOT_PREPARABLE.test(text)) continue;
      try {
        pg.exec(`PREPARE weft_check AS ${text}`);
        pg.exec('DEALLOCATE weft_check');
      } catch (err) {
        failed.push(`${(err as Error).message.split('\n')[0]} ← ${abbreviate(source)}`);
      }
    }
    const unexpected = [...refused, ...failed].filter((line) => !SQLITE_SIDE.some(([pattern]) => pattern.test(line)));
    expect(unexpected).toEqual([]);
    const stale = SQLITE_SIDE.filter(([pattern]) => ![...refused, ...failed].some((line) => pattern.test(line))).map(([, where]) => where);
    expect(stale).toEqual([]);
  }, 60_000);
});
