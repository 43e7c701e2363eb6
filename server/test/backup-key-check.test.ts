import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeBackup } from '../src/backup/backup';
import { restoreBackup } from '../src/backup/restore';
import { verifyBackup } from '../src/backup/verify';
import { openDatabase } from '../src/db/open';
import { credentialOwner } from '../src/integrations/connections';
import { createCredentialBox, loadOrCreateSecretKey } from '../src/integrations/credentials';
import { makeDataDir } from './helpers/server';

/** A data dir whose database holds one integration with credentials sealed by its secret.key. */
function dataDirWithCredentials(): string {
  const dataDir = makeDataDir();
  const db = openDatabase({ dataDir });
  const box = createCredentialBox(loadOrCreateSecretKey({ dataDir, secretKey: undefined }));
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO integrations (id, name, provider, config, credentials, credential_fields, status, created_at, updated_at)
     VALUES ('int_1', 'gh', 'github', '{}', ?, '["token"]', 'ready', ?, ?)`,
  ).run(box.seal({ token: 'ghp_secret_value' }, credentialOwner('int_1')), now, now);
  db.close();
  return dataDir;
}

const keyCheck = (file: string, secretKeyFromEnv?: string) => verifyBackup({ file, secretKeyFromEnv }).checks.find((c) => c.name === 'key')!;

describe('the key check of a backup', () => {
  it('passes with the key written beside it, and fails when the key is missing or another one', async () => {
    const dataDir = dataDirWithCredentials();
    const file = path.join(makeDataDir(), 'b.db');
    const result = await takeBackup({ dataDir, file, secretKeyFromEnv: undefined });
    expect(result).toMatchObject({ keySource: 'file', keyFile: `${file}.key` });
    expect(keyCheck(file)).toMatchObject({ status: 'ok', detail: expect.stringContaining('opens all 1 stored credential(s)') });

    fs.writeFileSync(`${file}.key`, `${randomBytes(32).toString('base64')}\n`);
    expect(keyCheck(file)).toMatchObject({ status: 'failed', detail: expect.stringContaining('is not this database') });
    fs.writeFileSync(`${file}.key`, 'short\n');
    expect(keyCheck(file)).toMatchObject({ status: 'failed', detail: expect.stringContaining('does not hold a base64 32-byte key') });
    fs.rmSync(`${file}.key`);
    const missing = verifyBackup({ file, secretKeyFromEnv: undefined });
    expect(missing.ok).toBe(false);
    expect(missing.checks.find((c) => c.name === 'key')!.detail).toMatch(/1 integration credential\(s\) inside cannot be decrypted/);
    // No detail ever shows a key or a credential.
    expect(JSON.stringify(missing)).not.toContain('ghp_secret_value');
  });

  it('with WEFT_SECRET_KEY no key file is written, and verify checks that key instead', async () => {
    const passphrase = 'a passphrase long enough to be a key, 32+';
    const dataDir = makeDataDir();
    const db = openDatabase({ dataDir });
    const box = createCredentialBox(loadOrCreateSecretKey({ dataDir, secretKey: passphrase }));
    db.prepare(
      `INSERT INTO integrations (id, name, provider, config, credentials, credential_fields, status, created_at, updated_at)
       VALUES ('int_2', 'gh', 'github', '{}', ?, '["token"]', 'ready', 'now', 'now')`,
    ).run(box.seal({ token: 'x' }, credentialOwner('int_2')));
    db.close();
    const file = path.join(makeDataDir(), 'b.db');
    fs.writeFileSync(`${file}.key`, 'stale key of an earlier backup\n');
    expect(await takeBackup({ dataDir, file, secretKeyFromEnv: passphrase })).toMatchObject({ keySource: 'env', keyFile: null });
    expect(fs.existsSync(`${file}.key`)).toBe(false);
    expect(keyCheck(file, passphrase)).toMatchObject({ status: 'ok', detail: expect.stringContaining('WEFT_SECRET_KEY opens all 1') });
    expect(keyCheck(file, 'another passphrase that is long enough!!')).toMatchObject({ status: 'failed' });
  });

  it('with WEFT_SECRET_KEY set, checks that key (the one the server uses) even beside a key file, and restore leaves the key file out', async () => {
    const dataDir = dataDirWithCredentials();
    const file = path.join(makeDataDir(), 'b.db');
    await takeBackup({ dataDir, file, secretKeyFromEnv: undefined });
    const passphrase = 'a passphrase long enough to be a key, 32+';
    // The file beside the backup opens the credentials, but the server would read WEFT_SECRET_KEY.
    const check = keyCheck(file, passphrase);
    expect(check).toMatchObject({ status: 'failed', detail: expect.stringContaining('WEFT_SECRET_KEY (which the server uses') });
    expect(check.detail).toContain('is ignored');

    // Restoring would leave credentials the server cannot open: refused, nothing changed.
    const target = makeDataDir();
    expect(() => restoreBackup({ file, dataDir: target, secretKeyFromEnv: passphrase })).toThrow(/did not pass verification/);
    expect(fs.existsSync(path.join(target, 'secret.key'))).toBe(false);
  });

  it('restore under WEFT_SECRET_KEY never installs a key file found beside the backup', async () => {
    const passphrase = 'a passphrase long enough to be a key, 32+';
    const dataDir = makeDataDir();
    const db = openDatabase({ dataDir });
    db.prepare(
      `INSERT INTO integrations (id, name, provider, config, credentials, credential_fields, status, created_at, updated_at)
       VALUES ('int_3', 'gh', 'github', '{}', ?, '["token"]', 'ready', 'now', 'now')`,
    ).run(createCredentialBox(loadOrCreateSecretKey({ dataDir, secretKey: passphrase })).seal({ token: 'x' }, credentialOwner('int_3')));
    db.close();
    const file = path.join(makeDataDir(), 'b.db');
    await takeBackup({ dataDir, file, secretKeyFromEnv: passphrase });
    fs.writeFileSync(`${file}.key`, `${randomBytes(32).toString('base64')}\n`);
    const target = makeDataDir();
    const restored = restoreBackup({ file, dataDir: target, secretKeyFromEnv: passphrase });
    expect(restored.keyRestored).toBe(false);
    expect(fs.existsSync(path.join(target, 'secret.key'))).toBe(false);
  });
});
