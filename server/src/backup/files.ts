import fs from 'node:fs';
import path from 'node:path';

/** Owner-only, like the data dir's own files: a backup holds everything the database holds. */
export const PRIVATE_FILE_MODE = 0o600;

/** The integrations' key travels beside the backup, under the backup's name plus `.key`. */
export const backupKeyPath = (backupFile: string) => `${backupFile}.key`;

/** `2026-12-05T22-01-07Z`: sortable, and without the colons some file systems refuse. */
export const fileStamp = (at: Date) =>
  at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');

/** A failure the command explains in one sentence; `exitCode` 1 unless the usage was wrong (2). */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Flushes a file, or a folder's entries after a rename, to disk. */
export function fsyncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Puts `from` in place as `to`, owner-only and durable: written beside the target under a temporary
 * name, flushed, then renamed over it, so a crash leaves the old file or the new one, never half.
 */
export function installPrivateCopy({ from, to }: { from: string; to: string }): void {
  const partial = `${to}.partial-${process.pid}`;
  try {
    fs.copyFileSync(from, partial);
    fs.chmodSync(partial, PRIVATE_FILE_MODE);
    fsyncPath(partial);
    fs.renameSync(partial, to);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  fsyncPath(path.dirname(to));
}

/** The folder a file is to be written into exists and is writable, or the error says which it is not. */
export function assertWritableFolderFor(file: string): void {
  const folder = path.dirname(file);
  if (!fs.existsSync(folder)) throw new OperationError(`cannot write ${file}: the folder ${folder} does not exist`);
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new OperationError(`cannot write ${file}: the folder ${folder} is not writable`);
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new OperationError(`cannot write ${file}: it is a folder`);
}
