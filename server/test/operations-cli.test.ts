import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/open';
import { finishedExecution } from './helpers/executions';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { makeDataDir, startServer, type TestServer } from './helpers/server';
import { runWeftCli } from './helpers/weft-cli';

/**
 * `pnpm weft backup | restore | verify | sign-in-link` as real processes against a real server
 * (its own SQLite file, a real runner running workflows while the backup is taken).
 */
let s: TestServer;
let runner: RunnerProcess;
let workflowId: string;
const backupDir = makeDataDir();
const backupFile = path.join(backupDir, 'weft-backup.db');

const cliEnv = (dataDir: string, extra: Record<string, string> = {}) => ({ WEFT_DATA_DIR: dataDir, ...extra });
const rowsOf = (db: Pick<BetterSqlite3.Database, 'prepare'> | Db, sql: string, ...params: unknown[]) => db.prepare(sql).all(...params);

beforeAll(async () => {
  s = await startServer({ config: { engineTickMs: 50 } });
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir: s.dataDir, capacity: 8 });
  const definition = {
    name: 'Backed up',
    steps: [
      { id: 'one', type: 'bash', command: 'echo one' },
      { id: 'two', type: 'bash', command: 'echo two' },
      { id: 'three', type: 'bash', command: 'echo three' },
    ],
  };
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition } })).body.id;
}, 60_000);

afterAll(async () => {
  await runner.kill();
  await s.close();
});

const startRun = async () => (await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} })).body.executionId as string;

describe('pnpm weft backup', () => {
  it('copies a running, writing server consistently: verify passes and the copy holds the same rows', async () => {
    const before: string[] = [];
    for (let i = 0; i < 4; i++) before.push(await startRun());
    for (const id of before) expect((await finishedExecution(s, id)).status).toBe('succeeded');

    // Runs keep starting and finishing while the backup is taken (capped: the runner works through them meanwhile).
    let writing = true;
    const during: string[] = [];
    const load = (async () => {
      while (writing && during.length < 60) during.push(await startRun());
    })();
    await waitUntil(() => during.length >= 3, 30_000, 'runs in flight');
    const backup = await runWeftCli(['backup', backupFile], cliEnv(s.dataDir));
    writing = false;
    await load;
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`${backupFile}: sound`);
    expect(backup.stdout).toContain(`key copied to ${backupFile}.key`);
    expect(during.length).toBeGreaterThan(3);

    // The key beside it: the data dir's key, owner-only, and never printed.
    const key = fs.readFileSync(path.join(s.dataDir, 'secret.key'), 'utf8');
    expect(fs.readFileSync(`${backupFile}.key`, 'utf8')).toBe(key);
    expect(fs.statSync(`${backupFile}.key`).mode & 0o777).toBe(0o600);
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(backup.stdout + backup.stderr).not.toContain(key.trim());

    for (const id of during) await finishedExecution(s, id);
    const copy = new BetterSqlite3(backupFile, { readonly: true });
    try {
      // A self-contained file (no -wal beside it), and a snapshot: every run finished before it is there as the server has it.
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      for (const sql of ['SELECT * FROM executions WHERE id = ?', 'SELECT * FROM step_runs WHERE execution_id = ? ORDER BY step_id']) {
        for (const id of before) expect(rowsOf(copy, sql, id)).toEqual(rowsOf(s.app.db, sql, id));
      }
      expect(rowsOf(copy, 'SELECT id, name FROM workflows')).toEqual(rowsOf(s.app.db, 'SELECT id, name FROM workflows'));
      // Whatever was caught mid-run is consistent: each copied execution's steps are the ones of its row's state.
      const copied = copy.prepare('SELECT COUNT(*) FROM executions').pluck().get() as number;
      expect(copied).toBeGreaterThanOrEqual(before.length);
      expect(copied).toBeLessThanOrEqual(before.length + during.length);
      const orphanSteps = copy.prepare('SELECT COUNT(*) FROM step_runs WHERE execution_id NOT IN (SELECT id FROM executions)').pluck().get();
      expect(orphanSteps).toBe(0);
    } finally {
      copy.close();
    }

    const verify = await runWeftCli(['verify', backupFile], cliEnv(s.dataDir));
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/ok\s+integrity/);
    expect(verify.stdout).toMatch(/ok\s+schema\s+\d{3}_\w+ \(current\)/);
    expect(verify.stdout).toContain(`${backupFile}: sound`);
  }, 120_000);

  it('refuses a restore while the server has the data dir open, and changes nothing', async () => {
    const run = await runWeftCli(['restore', backupFile], cliEnv(s.dataDir));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/open in another process, most likely a running Weft server: stop it/);
    expect(fs.readdirSync(s.dataDir).filter((f) => f.includes('before-restore'))).toEqual([]);
    // The server goes on serving from its own file.
    expect((await s.request('GET', `/api/workflows/${workflowId}`)).status).toBe(200);
  }, 60_000);

  it('restores into a stopped data dir, keeping the old files aside; a server started on it sees the data', async () => {
    const other = await startServer();
    await other.request('POST', '/api/workflows', { body: { definition: { name: 'Replaced', steps: [{ id: 'a', type: 'bash', command: 'true' }] } } });
    const otherKey = fs.readFileSync(path.join(other.dataDir, 'secret.key'), 'utf8');
    await other.close();

    const run = await runWeftCli(['restore', backupFile], cliEnv(other.dataDir));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const aside = fs.readdirSync(other.dataDir).filter((f) => f.includes('before-restore'));
    expect(aside).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^weft\.db\.before-restore-\d{4}-\d\d-\d\dT[\d-]+Z$/),
        expect.stringMatching(/^secret\.key\.before-restore-/),
      ]),
    );
    expect(fs.readFileSync(path.join(other.dataDir, 'secret.key'), 'utf8')).toBe(fs.readFileSync(`${backupFile}.key`, 'utf8'));
    expect(fs.readFileSync(path.join(other.dataDir, aside.find((f) => f.startsWith('secret.key'))!), 'utf8')).toBe(otherKey);
    const old = new BetterSqlite3(path.join(other.dataDir, aside.find((f) => f.startsWith('weft.db'))!), { readonly: true });
    expect(rowsOf(old, 'SELECT name FROM workflows')).toEqual([{ name: 'Replaced' }]);
    old.close();

    const restored = await startServer({ dataDir: other.dataDir });
    try {
      const list = (await restored.request('GET', '/api/workflows')).body;
      expect(JSON.stringify(list)).toContain('Backed up');
      expect(JSON.stringify(list)).not.toContain('Replaced');
      expect((await restored.request('GET', `/api/workflows/${workflowId}`)).status).toBe(200);
    } finally {
      await restored.close();
    }
  }, 90_000);
});

describe('pnpm weft sign-in-link', () => {
  it('prints a link for the configured host and port that signs in once, while the server runs', async () => {
    const run = await runWeftCli(['sign-in-link'], cliEnv(s.dataDir, { PORT: String(s.port) }));
    expect(run.code).toBe(0);
    const link = run.stdout.trim();
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/login\\?code=[\\w-]+$`));
    // A pending link is no session: its code as a session cookie signs nobody in (and is not used up).
    const code = new URL(link).searchParams.get('code')!;
    expect((await s.request('GET', '/api/me', { token: null, headers: { cookie: `weft_session=${code}` } })).status).toBe(401);
    const followed = await fetch(link, { redirect: 'manual' });
    expect(followed.status).toBe(303);
    expect(followed.headers.get('location')).not.toMatch(/signin/);
    const cookie = followed.headers.get('set-cookie')!.split(';')[0]!;
    const me = await s.request('GET', '/api/me', { token: null, headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe('owner');
    // One time only.
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.headers.get('location')).toMatch(/^\/signin\?reason=link/);
  }, 60_000);
});

describe('pnpm weft verify', () => {
  const corrupted = path.join(backupDir, 'corrupted.db');
  const notWeft = path.join(backupDir, 'other.db');
  const text = path.join(backupDir, 'notes.txt');

  it('fails on flipped bytes, a database that is not Weft, and a file that is not a database', async () => {
    const bytes = fs.readFileSync(backupFile);
    // Flip every byte of a stretch past the header: pages of tables and indexes.
    for (let i = 8192; i < Math.min(bytes.length, 8192 + 16_384); i++) bytes[i] = bytes[i]! ^ 0xff;
    fs.writeFileSync(corrupted, bytes);
    const other = new BetterSqlite3(notWeft);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    fs.writeFileSync(text, 'not a database at all, just some words\n'.repeat(200));

    const [damaged, foreign, plain, missing] = await Promise.all([
      runWeftCli(['verify', corrupted], cliEnv(s.dataDir)),
      runWeftCli(['verify', notWeft], cliEnv(s.dataDir)),
      runWeftCli(['verify', text], cliEnv(s.dataDir)),
      runWeftCli(['verify', path.join(backupDir, 'nothing-here.db')], cliEnv(s.dataDir)),
    ]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/failed\s+integrity\s+damaged/);
    expect(damaged.stdout).toContain(`${corrupted}: NOT sound`);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toMatch(/failed\s+weft\s+not a Weft database/);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/not an SQLite database/);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/nothing-here\.db does not exist/);
  }, 60_000);

  it('a damaged backup is never restored', async () => {
    const dataDir = makeDataDir();
    const run = await runWeftCli(['restore', corrupted], cliEnv(dataDir));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/did not pass verification, nothing was changed/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  }, 60_000);
});

describe('usage', () => {
  it('answers bad usage with exit 2 and unwritable targets with exit 1, naming the problem', async () => {
    const secretKey = path.join(s.dataDir, 'secret.key');
    const keyBefore = fs.readFileSync(secretKey);
    const [noFile, unknown, noFolder, help, inDataDir] = await Promise.all([
      runWeftCli(['backup'], cliEnv(s.dataDir)),
      runWeftCli(['bakup', 'x.db'], cliEnv(s.dataDir)),
      runWeftCli(['backup', path.join(backupDir, 'missing-folder', 'b.db')], cliEnv(s.dataDir)),
      runWeftCli(['--help'], {}),
      runWeftCli(['backup', secretKey], cliEnv(s.dataDir)),
    ]);
    // A backup never lands on Weft's own files: the key it would overwrite stays as it was.
    expect(inDataDir).toMatchObject({ code: 1, stderr: expect.stringContaining('is in the data dir') });
    expect(fs.readFileSync(secretKey).equals(keyBefore)).toBe(true);
    expect(noFile).toMatchObject({ code: 2, stderr: expect.stringContaining('backup needs a file: pnpm weft backup <file>') });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "bakup"') });
    expect(noFolder).toMatchObject({ code: 1, stderr: expect.stringMatching(/missing-folder does not exist/) });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/backup <file>[\s\S]*restore <file>[\s\S]*verify <file>[\s\S]*sign-in-link/);
  }, 60_000);
});
