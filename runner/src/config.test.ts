import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, toSocketUrl } from './config';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A data dir as the server leaves it: `runner-token` (and, to prove it is never read, the user's `token`). */
function dataDirWithToken(token: string | null, userToken: string | null = 'user-token-never-used'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-runner-config-'));
  dirs.push(dir);
  if (token !== null) fs.writeFileSync(path.join(dir, 'runner-token'), `${token}\n`);
  if (userToken !== null) fs.writeFileSync(path.join(dir, 'token'), `${userToken}\n`);
  return dir;
}

describe('loadConfig', () => {
  it('applies defaults and reads the runner token file from the data dir', () => {
    const dir = dataDirWithToken('file-token-0123456789');
    const config = loadConfig({ WEFT_DATA_DIR: dir });
    expect(config).toEqual({
      socketUrl: 'ws://127.0.0.1:8787/ws/runner',
      serverUrl: 'http://127.0.0.1:8787',
      token: 'file-token-0123456789',
      dataDir: dir,
      capacity: 4,
      name: os.hostname(),
      logLevel: 'info',
      llm: { provider: 'offline', apiKey: undefined, authToken: undefined, baseUrl: undefined, model: 'claude-sonnet-5-5', fallbackModels: [], timeoutMs: 900_000, maxRetries: 2 },
    });
  });

  it('selects the model provider from ANTHROPIC_* and derives the HTTP URL', () => {
    const dir = dataDirWithToken('file-token-0123456789');
    const config = loadConfig({ WEFT_DATA_DIR: dir, WEFT_SERVER_URL: 'wss://weft.example.com/base/', ANTHROPIC_BASE_URL: 'http://127.0.0.1:11434', WEFT_FALLBACK_MODELS: 'a, b,' });
    expect(config.serverUrl).toBe('https://weft.example.com/base');
    expect(config.llm).toMatchObject({ provider: 'anthropic', baseUrl: 'http://127.0.0.1:11434', fallbackModels: ['a', 'b'] });
    expect(() => loadConfig({ WEFT_DATA_DIR: dir, ANTHROPIC_BASE_URL: 'not a url' })).toThrow(/ANTHROPIC_BASE_URL/);
  });

  it('prefers WEFT_RUNNER_TOKEN, then <data dir>/runner-token, and never takes the user token', () => {
    const dir = dataDirWithToken('from-file');
    expect(loadConfig({ WEFT_DATA_DIR: dir, WEFT_RUNNER_TOKEN: 'runner', WEFT_TOKEN: 'shared' }).token).toBe('runner');
    expect(loadConfig({ WEFT_DATA_DIR: dir, WEFT_TOKEN: 'shared' }).token).toBe('from-file');
    expect(loadConfig({ WEFT_DATA_DIR: dir, WEFT_RUNNER_TOKEN: '' }).token).toBe('from-file');
    const onlyUser = dataDirWithToken(null, 'user-token-0123456789');
    expect(() => loadConfig({ WEFT_DATA_DIR: onlyUser, WEFT_TOKEN: 'user-token-0123456789' })).toThrow(/WEFT_RUNNER_TOKEN: not set and no runner token in/);
  });

  it('resolves a relative data dir against INIT_CWD and defaults to <repo>/data', () => {
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_DATA_DIR: 'rel', INIT_CWD: '/srv/weft' }).dataDir).toBe('/srv/weft/rel');
    const repoRoot = path.resolve(import.meta.dirname, '../..');
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't' }).dataDir).toBe(path.join(repoRoot, 'data'));
  });

  it('reads name, capacity and server URL', () => {
    const config = loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_RUNNER_NAME: 'builder-1', WEFT_RUNNER_CAPACITY: '12', WEFT_SERVER_URL: 'https://weft.example.com/base/' });
    expect(config).toMatchObject({ name: 'builder-1', capacity: 12, socketUrl: 'wss://weft.example.com/base/ws/runner' });
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['a non-numeric capacity', { WEFT_RUNNER_CAPACITY: 'lots' }, /WEFT_RUNNER_CAPACITY="lots"/],
    ['a zero capacity', { WEFT_RUNNER_CAPACITY: '0' }, /WEFT_RUNNER_CAPACITY="0": must be at least 1/],
    ['a server URL that is not a URL', { WEFT_SERVER_URL: 'localhost:8787' }, /WEFT_SERVER_URL="localhost:8787": must be an http/],
    ['an unknown log level', { WEFT_LOG_LEVEL: 'loud' }, /WEFT_LOG_LEVEL/],
  ];
  it.each(bad)('names the variable for %s', (_name, env, message) => {
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: 't', ...env })).toThrow(message);
  });

  it('explains a missing token', () => {
    const dir = dataDirWithToken(null);
    expect(() => loadConfig({ WEFT_DATA_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ WEFT_DATA_DIR: dir })).toThrow(/WEFT_RUNNER_TOKEN: not set and no runner token in .*runner-token; set WEFT_RUNNER_TOKEN to the server's runner token/);
  });
});

describe('toSocketUrl', () => {
  it.each([
    ['http://127.0.0.1:8787', 'ws://127.0.0.1:8787/ws/runner'],
    ['https://host', 'wss://host/ws/runner'],
    ['ws://host:1/x?y=1', 'ws://host:1/x/ws/runner'],
  ])('%s -> %s', (input, expected) => {
    expect(toSocketUrl(input)).toBe(expected);
  });
});
