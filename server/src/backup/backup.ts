import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { databasePath } from '../db/open';
import { SECRET_KEY_FILE } from '../integrations/credentials';
import { assertWritableFolderFor, backupKeyPath, fsyncPath, installPrivateCopy, OperationError, PRIVATE_FILE_MODE } from './files';

/** Where the integrations' key of the backed-up data comes from, and so what restoring needs. */
export type KeySource = 'file' | 'env' | 'none';

export type BackupResult = { file: string; bytes: number; keyFile: string | null; keySource: KeySource };

/** Pages per backup step: all of them, so the copy is one read transaction (see below). */
const ALL_PAGES = 0x7fffffff;

/**
 * A consistent copy of the live database through SQLite's online backup API. The copy is read in
 * one step, inside one read transaction: in WAL mode that never blocks the server's writers, and
 * it never restarts the way a paged backup does when another process writes between pages. The
 * copy is switched to a plain rollback journal, so the backup is one self-contained file, and the
 * key file (`secret.key`) is copied beside it as `<file>.key`.
 */
export async function takeBackup({
  dataDir,
  file,
  secretKeyFromEnv,
}: {
  dataDir: string;
  file: string;
  secretKeyFromEnv: string | undefined;
}): Promise<BackupResult> {
  const source = databasePath(dataDir);
  if (!fs.existsSync(source)) throw new OperationError(`no Weft database in WEFT_DATA_DIR (${dataDir}): nothing to back up`);
  // Anything in the data dir is Weft's own (the database, secret.key, the tokens): never a backup's place.
  if (path.dirname(path.resolve(file)) === path.resolve(dataDir)) {
    throw new OperationError(`${file} is in the data dir (${dataDir}), beside the files it would back up: choose a file outside it`);
  }
  assertWritableFolderFor(file);
  const partial = `${file}.partial-${process.pid}`;
  // Private from its first byte: the copy holds password and session hashes and sealed credentials.
  fs.writeFileSync(partial, '', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  const db = new BetterSqlite3(source, { fileMustExist: true, timeout: 5000 });
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
    const copy = new BetterSqlite3(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fs.chmodSync(partial, PRIVATE_FILE_MODE);
    fsyncPath(partial);
    fs.renameSync(partial, file);
    fsyncPath(path.dirname(file));
  } finally {
    db.close();
    fs.rmSync(partial, { force: true });
  }
  const keyFile = backupKeyPath(file);
  const dataKey = path.join(dataDir, SECRET_KEY_FILE);
  let keySource: KeySource;
  if (secretKeyFromEnv) {
    // A key file left by an earlier backup under this name would not match this one.
    fs.rmSync(keyFile, { force: true });
    keySource = 'env';
  } else if (fs.existsSync(dataKey)) {
    installPrivateCopy({ from: dataKey, to: keyFile });
    keySource = 'file';
  } else {
    fs.rmSync(keyFile, { force: true });
    keySource = 'none';
  }
  return { file, bytes: fs.statSync(file).size, keyFile: keySource === 'file' ? keyFile : null, keySource };
}
