import fs from 'node:fs';
import { NewerSchemaError } from './db/migrate';

/** A start-up failure explained in one sentence that names the setting to change; the process exits 1. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const codeOf = (err: unknown): string | undefined => {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};

const fullDisk = (dataDir: string) => `The disk holding WEFT_DATA_DIR (${dataDir}) is full; free some space or set WEFT_DATA_DIR to a folder on another disk.`;

/** Less than 1 MiB left for this user where the data dir is. */
function nearlyFull(dataDir: string): boolean {
  try {
    const s = fs.statfsSync(dataDir);
    return s.bavail * s.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

/**
 * The sentence for a failure while opening the data dir and the database, or null when the error
 * is not one of those (a bug: its stack is worth printing). Never the driver's text.
 */
export function explainOpenFailure(err: unknown, dataDir: string): string | null {
  if (err instanceof StartupError) return err.message;
  if (err instanceof NewerSchemaError) {
    return `The database in WEFT_DATA_DIR (${dataDir}) was written by a newer version of Weft (${err.unknown.join(', ')}); upgrade Weft, or set WEFT_DATA_DIR to another folder.`;
  }
  const code = codeOf(err);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'SQLITE_FULL':
      return fullDisk(dataDir);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOTDIR':
    case 'EEXIST':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_READONLY_DBMOVED':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return `Weft cannot write to WEFT_DATA_DIR (${dataDir}); make that folder writable by this user, or set WEFT_DATA_DIR to a writable folder.`;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
    case 'SQLITE_BUSY_RECOVERY':
      return `The database in WEFT_DATA_DIR (${dataDir}) stayed locked by another process; stop the other process (another Weft server migrating it?) or set WEFT_DATA_DIR to another folder.`;
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return `The file weft.db in WEFT_DATA_DIR (${dataDir}) is not a readable Weft database; restore it from a backup, or set WEFT_DATA_DIR to another folder.`;
    default:
      if (code?.startsWith('SQLITE_IOERR') || code === 'EIO') {
        // SQLite reports a full disk growing its WAL index (SHMSIZE) or a write as an I/O error.
        if (nearlyFull(dataDir)) return fullDisk(dataDir);
        return `The disk holding WEFT_DATA_DIR (${dataDir}) reported an I/O error; check the disk, or set WEFT_DATA_DIR to a folder on another disk.`;
      }
      if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN')) {
        return `Weft cannot write to WEFT_DATA_DIR (${dataDir}); make that folder writable by this user, or set WEFT_DATA_DIR to a writable folder.`;
      }
      return null;
  }
}

/** The sentence for a failure to listen, or null. */
export function explainListenFailure(err: unknown, { port, host }: { port: number; host: string }): string | null {
  switch (codeOf(err)) {
    case 'EADDRINUSE':
      return `PORT ${port} on ${host} is already in use (another Weft server?); stop that process or set PORT to a free port.`;
    case 'EACCES':
      return `PORT ${port} needs privileges this user does not have; set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `HOST ${host} is not an address of this machine; set HOST to one of its addresses (127.0.0.1 by default).`;
    default:
      return null;
  }
}
