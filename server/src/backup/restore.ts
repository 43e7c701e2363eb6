import fs from 'node:fs';
import path from 'node:path';
import { databasePath } from '../db/open';
import { SECRET_KEY_FILE } from '../integrations/credentials';
import { databaseInUse } from './database-in-use';
import { backupKeyPath, fileStamp, fsyncPath, installPrivateCopy, OperationError } from './files';
import { verifyBackup, type Verification } from './verify';

export type RestoreResult = {
  verification: Verification;
  database: string;
  /** The files that were in the way, renamed `<name>.before-restore-<time>`. */
  keptAside: string[];
  keyRestored: boolean;
};

const DIR_MODE = 0o700;

/**
 * Replaces the data dir's database (and key) with a verified backup. Refused while any process has
 * the database open (a running server: see database-in-use.ts); what was there is kept aside,
 * never deleted. The server applies newer migrations when it next starts.
 */
export function restoreBackup({
  file,
  dataDir,
  secretKeyFromEnv,
  now = new Date(),
}: {
  file: string;
  dataDir: string;
  secretKeyFromEnv: string | undefined;
  now?: Date;
}): RestoreResult {
  const verification = verifyBackup({ file, secretKeyFromEnv });
  if (!verification.ok) {
    const failed = verification.checks.filter((c) => c.status === 'failed').map((c) => `${c.name}: ${c.detail}`);
    throw new OperationError(`${file} did not pass verification, nothing was changed:\n  ${failed.join('\n  ')}`);
  }
  const database = databasePath(dataDir);
  if (databaseInUse(database)) {
    throw new OperationError(`${database} is open in another process, most likely a running Weft server: stop it, then restore (nothing was changed)`);
  }
  if (!fs.existsSync(dataDir)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    fs.chmodSync(dataDir, DIR_MODE);
  }
  const stamp = `before-restore-${fileStamp(now)}`;
  const keptAside: string[] = [];
  const setAside = (target: string, aside: string) => {
    if (!fs.existsSync(target)) return;
    fs.renameSync(target, aside);
    keptAside.push(aside);
  };
  // The incoming copy is complete on disk before anything is moved.
  const incoming = `${database}.restoring-${process.pid}`;
  installPrivateCopy({ from: file, to: incoming });
  try {
    // -wal and -shm keep the same suffix, so the set-aside copy still opens as a whole.
    for (const suffix of ['', '-wal', '-shm']) setAside(`${database}${suffix}`, `${database}.${stamp}${suffix}`);
    fs.renameSync(incoming, database);
  } finally {
    fs.rmSync(incoming, { force: true });
  }
  const keyFile = backupKeyPath(file);
  const dataKey = path.join(dataDir, SECRET_KEY_FILE);
  const keyRestored = verification.keyFile !== null;
  if (keyRestored) {
    setAside(dataKey, `${dataKey}.${stamp}`);
    installPrivateCopy({ from: keyFile, to: dataKey });
  }
  fsyncPath(dataDir);
  return { verification, database, keptAside, keyRestored };
}
