import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { makeDataDir } from './helpers/server';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: SERVER_DIR,
    env: { ...process.env, WEFT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor<T>(fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('configuration', () => {
  it('names every bad variable', () => {
    try {
      loadConfig({ PORT: 'eighty', WEFT_LOG_LEVEL: 'loud', WEFT_TOKEN: 'short' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('PORT="eighty"');
      expect(msg).toContain('WEFT_LOG_LEVEL="loud"');
      expect(msg).toContain('WEFT_TOKEN');
    }
  });

  it('the server process exits 2 with the variable named on bad config', async () => {
    const run = runServer({ PORT: '99999', WEFT_DATA_DIR: makeDataDir() });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/PORT="99999"/);
  });
});

describe('server process', () => {
  it('prints the login URL, serves, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = makeDataDir();
    const run = runServer({ PORT: '0', WEFT_DATA_DIR: dataDir });
    const url = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/login\?code=\S+/.exec(run.output())?.[0]);
    const origin = new URL(url).origin;
    const token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
    const created = await fetch(`${origin}/api/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ definition: { name: 'kept', steps: [{ id: 'a', type: 'bash', command: 'true' }] } }),
    });
    expect(created.status).toBe(201);
    const shell = await fetch(`${origin}/automation/workflows`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toContain('text/html');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // Clean close: WAL checkpointed into the main file and the data is there on re-open.
    const wal = path.join(dataDir, 'weft.db-wal');
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
    const db = openDatabase({ dataDir });
    expect(db.prepare('SELECT name FROM workflows').all()).toEqual([{ name: 'kept' }]);
    db.close();
  });
});
