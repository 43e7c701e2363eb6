import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { mountTmpfs, type Tmpfs } from './faults/tmpfs';
import { startServerProcess } from './helpers/failing-start';
import { makeDataDir } from './helpers/server';

const TOKEN = { WEFT_TOKEN: 'startup-failure-token-0123456789' };

/** One sentence naming the setting, exit code 1, no driver code or stack. */
function expectOneSentence(result: { code: number | null; output: string }, setting: RegExp) {
  expect(result.code, result.output).toBe(1);
  const line = result.output.trim();
  expect(line.split('\n')).toHaveLength(1);
  expect(line).toMatch(/^weft: [A-Z].*\.$/);
  expect(line).toMatch(setting);
  expect(line).not.toMatch(/SQLITE_|ENOSPC|EROFS|EACCES|\bat \S+:\d+/);
}

const mounts: Tmpfs[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.unmount();
});

describe('start-up failures: one sentence naming the setting, exit code 1', { timeout: 90_000 }, () => {
  it('a read-only data dir', async () => {
    const ro = mountTmpfs({ readOnly: true });
    mounts.push(ro);
    const result = await startServerProcess({ ...TOKEN, WEFT_DATA_DIR: ro.dir });
    expectOneSentence(result, /WEFT_DATA_DIR \(.*\).*writable/);
  });

  it('a full disk under an existing database', async () => {
    const disk = mountTmpfs({ sizeKb: 2048 });
    mounts.push(disk);
    openDatabase({ dataDir: disk.dir }).close();
    disk.fill();
    const result = await startServerProcess({ ...TOKEN, WEFT_DATA_DIR: disk.dir });
    expectOneSentence(result, /disk holding WEFT_DATA_DIR \(.*\) is full/);
    // Space back: the same data dir starts.
    disk.free();
    const db = openDatabase({ dataDir: disk.dir });
    db.close();
  });

  it('a database written by a newer version', async () => {
    const dataDir = makeDataDir();
    const db = openDatabase({ dataDir });
    db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, '999_from_the_future', 'x', 'now')").run();
    db.close();
    const result = await startServerProcess({ ...TOKEN, WEFT_DATA_DIR: dataDir });
    expectOneSentence(result, /WEFT_DATA_DIR \(.*\) was written by a newer version of Weft \(999_from_the_future\)/);
    // Refused before anything was applied or written.
    const check = new BetterSqlite3(path.join(dataDir, 'weft.db'), { readonly: true });
    expect(check.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 999 });
    check.close();
  });

  it('a port already taken (a second server on the same address)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await startServerProcess({ ...TOKEN, WEFT_DATA_DIR: makeDataDir(), PORT: String(port) });
      expectOneSentence(result, new RegExp(`PORT ${port} .* already in use`));
    } finally {
      blocker.close();
    }
  });
});

describe('data dir permissions', () => {
  it('creates the data dir 0700 and the database, its WAL and shared memory 0600', () => {
    const dataDir = path.join(makeDataDir(), 'nested', 'data');
    const db = openDatabase({ dataDir });
    db.prepare("INSERT INTO storage_probe (pad) VALUES (x'00')").run();
    const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);
    expect(mode(dataDir)).toBe('700');
    for (const f of ['weft.db', 'weft.db-wal', 'weft.db-shm']) expect(mode(path.join(dataDir, f)), f).toBe('600');
    db.close();
  });

  it('narrows an existing database file to 0600', () => {
    const dataDir = makeDataDir();
    openDatabase({ dataDir }).close();
    fs.chmodSync(path.join(dataDir, 'weft.db'), 0o644);
    openDatabase({ dataDir }).close();
    expect((fs.statSync(path.join(dataDir, 'weft.db')).mode & 0o777).toString(8)).toBe('600');
  });
});
