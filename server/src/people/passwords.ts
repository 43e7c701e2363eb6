import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@weft/shared';

/**
 * Password hashing with Node's scrypt (memory-hard). Parameters, stored in each hash so they can
 * be raised later without breaking old ones: N = 2^15 (cost), r = 8 (block size), p = 1
 * (parallelism) — 32 MiB and roughly 50–100 ms per hash, the OWASP minimum for scrypt — a 16-byte
 * random salt and a 32-byte key. Format: `scrypt$N$r$p$salt$hash` (salt and hash base64url).
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** scrypt needs 128·N·r·p bytes; Node's default cap (32 MiB) is exactly that, leave headroom. */
const maxmemFor = (n: number, r: number, p: number) => 2 * 128 * n * r * p;

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

function derive(password: string, salt: Buffer, { n, r, p, length }: { n: number; r: number; p: number; length: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { N: n, r, p, maxmem: maxmemFor(n, r, p) }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new hash for `password` (its length is checked by the request schema, again here). */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) throw new Error('password length out of range');
  const salt = randomBytes(16);
  const key = await derive(password, salt, { n: N, r: R, p: P, length: KEY_LENGTH });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Parameters a stored hash may carry; anything else is a corrupt row, never a reason to allocate gigabytes. */
const STORED = /^scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

/** A hash of a random password: checked when the email is unknown, so both cases take as long. */
let decoy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`, compared in constant time. A null `stored` (no such person,
 * or no password set) still costs one scrypt, so timing does not tell which emails exist.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  decoy ??= hashPassword(randomBytes(24).toString('base64url'));
  const match = STORED.exec(stored ?? (await decoy));
  if (!match) return false;
  const [, n, r, p, salt, hash] = match;
  if (Number(n) > 2 ** 20 || Number(r) > 16 || Number(p) > 4) return false;
  const expected = Buffer.from(hash!, 'base64url');
  const actual = await derive(password, Buffer.from(salt!, 'base64url'), { n: Number(n), r: Number(r), p: Number(p), length: expected.length });
  return timingSafeEqual(actual, expected) && stored !== null;
}
