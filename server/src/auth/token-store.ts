import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const TOKEN_FILE = 'token';
/** The runners' credential: a separate secret, so a runner's host never holds the user's token. */
export const RUNNER_TOKEN_FILE = 'runner-token';

/**
 * A credential: the fixed one if set (WEFT_TOKEN, WEFT_RUNNER_TOKEN), else the one stored in the
 * data dir under `file` (created 0600 on first start).
 */
export function loadOrCreateToken({
  dataDir,
  fixedToken,
  file: name = TOKEN_FILE,
}: {
  dataDir: string;
  fixedToken?: string | undefined;
  file?: string;
}): string {
  if (fixedToken) return fixedToken;
  const file = path.join(dataDir, name);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares through fixed-length digests so neither content nor length leaks through timing. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
