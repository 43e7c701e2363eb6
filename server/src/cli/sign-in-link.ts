import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { createSignInLinks, displayOrigin, signInLinkUrl } from '../auth/sign-in-links';
import { OperationError } from '../backup/files';
import { systemClock } from '../clock';
import type { Config } from '../config';
import { databasePath, type Db } from '../db/open';
import { PgDatabase } from '../db/postgres/pg-database';
import { OWNER_ID } from '../people/users-store';

/**
 * A fresh one-time link signing the owner in, written into the database the server reads, so it
 * works while the server runs (and after it restarts). The origin is the configured HOST and PORT,
 * as the server prints its own link.
 */
export function issueSignInLink(
  config: Pick<Config, 'dataDir' | 'host' | 'port' | 'databaseStatementTimeoutMs'> & Partial<Pick<Config, 'databaseUrl'>>,
): string {
  if (config.databaseUrl) {
    const db = new PgDatabase(config.databaseUrl, { timeoutMs: config.databaseStatementTimeoutMs });
    try {
      return issue(db, config);
    } finally {
      db.close();
    }
  }
  const file = databasePath(config.dataDir);
  if (!fs.existsSync(file)) throw new OperationError(`no Weft database in WEFT_DATA_DIR (${config.dataDir}): start Weft once first`);
  // No migrations from here: the running server owns the schema.
  const db = new BetterSqlite3(file, { fileMustExist: true, timeout: 5000 });
  try {
    return issue(db, config);
  } finally {
    db.close();
  }
}

function issue(db: Db, config: Pick<Config, 'host' | 'port'>): string {
  const code = createSignInLinks({ db, clock: systemClock }).issue(OWNER_ID);
  return signInLinkUrl({ origin: displayOrigin({ host: config.host, port: config.port }), code });
}
