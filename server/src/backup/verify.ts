import fs from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { readMigrations } from '../db/migrate';
import { credentialOwner } from '../integrations/connections';
import { createCredentialBox, keyFromString, readSecretKeyFile } from '../integrations/credentials';
import { backupKeyPath } from './files';

/** One line of the summary: `ok` false fails the verification; a warning never does. */
export type Check = { name: string; status: 'ok' | 'warning' | 'failed'; detail: string };

export type Verification = {
  ok: boolean;
  checks: Check[];
  /** Newest migration in the file (e.g. `018_started_by_name`), when it is a Weft database. */
  schema: string | null;
  keyFile: string | null;
};

const codeOf = (err: unknown) => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);

/** Tables every Weft database has had since its first migrations. */
const WEFT_TABLES = ['schema_migrations', 'workflows', 'executions', 'events'];

/**
 * Checks a backup (or any copy of weft.db) without changing it: SQLite's full integrity check,
 * that it is a Weft database whose migrations this version knows, and that the key beside it
 * (`<file>.key`, or WEFT_SECRET_KEY) opens the integrations' stored credentials.
 */
export function verifyBackup({ file, secretKeyFromEnv }: { file: string; secretKeyFromEnv: string | undefined }): Verification {
  const checks: Check[] = [];
  const done = (schema: string | null = null, keyFile: string | null = null): Verification => ({
    ok: checks.every((c) => c.status !== 'failed'),
    checks,
    schema,
    keyFile,
  });
  if (!fs.existsSync(file)) {
    checks.push({ name: 'file', status: 'failed', detail: `${file} does not exist` });
    return done();
  }
  if (!fs.statSync(file).isFile()) {
    checks.push({ name: 'file', status: 'failed', detail: `${file} is not a file` });
    return done();
  }
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    checks.push({ name: 'file', status: 'failed', detail: `cannot open ${file}: ${(err as Error).message}` });
    return done();
  }
  try {
    const integrity = integrityCheck(db);
    checks.push(integrity);
    if (integrity.status === 'failed') return done();
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = WEFT_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      checks.push({ name: 'weft', status: 'failed', detail: `not a Weft database (no ${missing.join(', ')} table)` });
      return done();
    }
    const schema = schemaCheck(db);
    checks.push(schema.check);
    const key = keyCheck({ db, file, secretKeyFromEnv });
    checks.push(key.check);
    return done(schema.newest, key.keyFile);
  } finally {
    db.close();
  }
}

function integrityCheck(db: Database): Check {
  try {
    const rows = db.prepare('PRAGMA integrity_check').pluck().all() as string[];
    if (rows.length === 1 && rows[0] === 'ok') return { name: 'integrity', status: 'ok', detail: 'PRAGMA integrity_check: ok' };
    const shown = rows.slice(0, 3).join('; ');
    return { name: 'integrity', status: 'failed', detail: `damaged: ${shown}${rows.length > 3 ? ` (and ${rows.length - 3} more problems)` : ''}` };
  } catch (err) {
    const code = codeOf(err);
    if (code === 'SQLITE_NOTADB') return { name: 'integrity', status: 'failed', detail: 'not an SQLite database (and so not a Weft backup)' };
    return { name: 'integrity', status: 'failed', detail: `damaged: ${(err as Error).message}` };
  }
}

function schemaCheck(db: Database): { check: Check; newest: string | null } {
  const landed = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as {
    version: number;
    name: string;
    checksum: string;
  }[];
  const known = new Map(readMigrations().map((m) => [m.version, m]));
  const knownUpTo = String(Math.max(0, ...known.keys())).padStart(3, '0');
  const newest = landed.at(-1)?.name ?? null;
  const unknown = landed.filter((m) => !known.has(m.version)).map((m) => m.name);
  if (unknown.length > 0) {
    return {
      newest,
      check: { name: 'schema', status: 'failed', detail: `written by a newer Weft (${unknown.join(', ')}; this version knows up to ${knownUpTo})` },
    };
  }
  const edited = landed.filter((m) => known.get(m.version)?.checksum !== m.checksum).map((m) => m.name);
  if (edited.length > 0) {
    return { newest, check: { name: 'schema', status: 'failed', detail: `migrations differ from this version's (${edited.join(', ')})` } };
  }
  const pending = known.size - landed.length;
  return {
    newest,
    check: {
      name: 'schema',
      status: 'ok',
      detail: `${newest ?? 'no migrations'}${pending > 0 ? ` (${pending} newer migration(s) apply when the server starts on it)` : ' (current)'}`,
    },
  };
}

/** Whether the key that goes with the backup opens its stored credentials; never shows either. */
function keyCheck({ db, file, secretKeyFromEnv }: { db: Database; file: string; secretKeyFromEnv: string | undefined }): {
  check: Check;
  keyFile: string | null;
} {
  const keyFile = backupKeyPath(file);
  const sealed = db.prepare('SELECT id, credentials FROM integrations WHERE credentials IS NOT NULL').all() as { id: string; credentials: string }[];
  let key: Buffer | null = null;
  let source: string;
  // The server reads WEFT_SECRET_KEY before any key file, so with it set that is the key to check
  // (and the one a restore leaves in use): a `<file>.key` beside the backup is then ignored.
  if (secretKeyFromEnv) {
    key = keyFromString(secretKeyFromEnv);
    source = fs.existsSync(keyFile) ? `WEFT_SECRET_KEY (which the server uses; ${keyFile} is ignored)` : 'WEFT_SECRET_KEY';
  } else if (fs.existsSync(keyFile)) {
    try {
      key = readSecretKeyFile(keyFile);
    } catch (err) {
      return { keyFile, check: { name: 'key', status: 'failed', detail: (err as Error).message } };
    }
    source = keyFile;
  } else {
    const detail = `no ${keyFile} and WEFT_SECRET_KEY is not set`;
    if (sealed.length === 0) return { keyFile: null, check: { name: 'key', status: 'warning', detail: `${detail} (no stored credentials need it yet)` } };
    return {
      keyFile: null,
      check: { name: 'key', status: 'failed', detail: `${detail}: the ${sealed.length} integration credential(s) inside cannot be decrypted` },
    };
  }
  const box = createCredentialBox(key);
  const unreadable = sealed.filter((row) => {
    try {
      box.open(row.credentials, credentialOwner(row.id));
      return false;
    } catch {
      return true;
    }
  });
  const found = source === keyFile ? keyFile : null;
  if (unreadable.length > 0) {
    return {
      keyFile: found,
      check: {
        name: 'key',
        status: 'failed',
        detail: `${source} does not open ${unreadable.length} of ${sealed.length} stored credential(s): it is not this database's key`,
      },
    };
  }
  return { keyFile: found, check: { name: 'key', status: 'ok', detail: `${source} opens all ${sealed.length} stored credential(s)` } };
}
