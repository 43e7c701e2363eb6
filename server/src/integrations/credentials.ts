import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SECRET_KEY_FILE = 'secret.key';
const VERSION = 'v1';

/**
 * The 32-byte key: WEFT_SECRET_KEY (64 hex digits, base64 of 32 bytes, or any passphrase of 32+
 * characters, stretched with scrypt), else `<dataDir>/secret.key`, generated 0600 on first use.
 */
export function loadOrCreateSecretKey({ dataDir, secretKey }: { dataDir: string; secretKey: string | undefined }): Buffer {
  if (secretKey) return keyFromString(secretKey);
  const file = path.join(dataDir, SECRET_KEY_FILE);
  try {
    return readSecretKeyFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // `wx`: two processes starting together never overwrite each other's key.
  try {
    fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretKey({ dataDir, secretKey });
    throw err;
  }
  return key;
}

/** A key file's 32 bytes (base64 text, as generated); throws naming the file when it holds anything else. */
export function readSecretKeyFile(file: string): Buffer {
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a base64 32-byte key; restore it or set WEFT_SECRET_KEY`);
  return key;
}

/** WEFT_SECRET_KEY's 32 bytes, however it is written. */
export function keyFromString(value: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) {
    const raw = Buffer.from(value, 'base64');
    if (raw.length === 32) return raw;
  }
  return scryptSync(value, 'weft-secret-key-v1', 32);
}

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

/**
 * AES-256-GCM envelopes `v1:<iv>:<tag>:<ciphertext>` (base64). The associated data binds an envelope
 * to its owner (`integration:<id>`), so a row's credentials cannot be pasted onto another row.
 */
export function createCredentialBox(key: Buffer) {
  if (key.length !== 32) throw new Error('the credentials key must be 32 bytes');
  return {
    seal(value: unknown, owner: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(owner, 'utf8'));
      const data = Buffer.concat([cipher.update(JSON.stringify(value ?? null), 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    open(envelope: string, owner: string): unknown {
      const [version, iv, tag, data] = envelope.split(':');
      if (version !== VERSION || !iv || !tag || data === undefined) throw new CredentialsError('stored credentials are not in a known format');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAAD(Buffer.from(owner, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
        return JSON.parse(plain) as unknown;
      } catch {
        throw new CredentialsError(
          'stored credentials cannot be decrypted: the secret key changed (WEFT_SECRET_KEY or secret.key); enter the credentials again',
        );
      }
    },
  };
}

export type CredentialBox = ReturnType<typeof createCredentialBox>;

/** Every string inside credentials (nested maps too), longest first: what must never be shown. */
export function secretStrings(credentials: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(credentials);
  return out.sort((a, b) => b.length - a.length);
}

/** Replaces every secret (and its URL-encoded form) in text shown to people or logs. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    out = out.split(s).join('[redacted]');
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join('[redacted]');
  }
  return out;
}
