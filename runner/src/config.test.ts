import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';
import { toSocketUrl } from './connection/server-addresses';

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
      servers: [{ socketUrl: 'ws://127.0.0.1:8787/ws/runner', httpUrl: 'http://127.0.0.1:8787' }],
      token: 'file-token-0123456789',
      dataDir: dir,
      capacity: 16,
      name: os.hostname(),
      logLevel: 'info',
      logFormat: 'json',
      llm: {
        provider: 'offline',
        apiKey: undefined,
        authToken: undefined,
        baseUrl: undefined,
        model: 'claude-sonnet-5-5',
        fallbackModels: [],
        timeoutMs: 900_000,
        maxRetries: 2,
      },
      addressPolicy: { allow: [], denyPrivate: false, nat64Prefixes: [] },
      workspaceRoots: [],
      stepEnvironment: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      sandbox: { mode: 'auto', readPaths: [], writePaths: [], network: 'host' },
      tracing: null,
    });
  });

  it('gives step processes PATH, HOME, LANG and TZ of its own environment, and no credential', () => {
    const config = loadConfig({
      WEFT_TOKEN: 'shared-token',
      WEFT_RUNNER_TOKEN: 'runner-token',
      ANTHROPIC_API_KEY: 'sk-secret',
      WEFT_SECRET_KEY: 'k'.repeat(40),
      PATH: '/opt/bin:/usr/bin',
      HOME: '/home/weft',
      LANG: 'de_DE.UTF-8',
      TZ: 'Europe/Berlin',
      AWS_SECRET_ACCESS_KEY: 'aws',
    });
    expect(config.stepEnvironment).toEqual({ PATH: '/opt/bin:/usr/bin', HOME: '/home/weft', LANG: 'de_DE.UTF-8', TZ: 'Europe/Berlin' });
  });

  it('reads WEFT_HTTP_ALLOW (hosts, addresses, CIDR ranges) and WEFT_HTTP_DENY_PRIVATE', () => {
    const config = loadConfig({
      WEFT_RUNNER_TOKEN: 't',
      WEFT_HTTP_ALLOW: ' localhost, 127.0.0.1 ,10.0.0.0/8,[::1],fd00::/8,Api.Internal.',
      WEFT_HTTP_DENY_PRIVATE: '1',
    });
    expect(config.addressPolicy.denyPrivate).toBe(true);
    expect(
      config.addressPolicy.allow.map((entry) => (entry.kind === 'host' ? `host ${entry.host}` : `range ${entry.range[0].toString()}/${entry.range[1]}`)),
    ).toEqual(['host localhost', 'range 127.0.0.1/32', 'range 10.0.0.0/8', 'range ::1/128', 'range fd00::/8', 'host api.internal']);
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_HTTP_DENY_PRIVATE: '0' }).addressPolicy.denyPrivate).toBe(false);
  });

  it('reads WEFT_OUTBOUND_NAT64_PREFIXES, and refuses to start on a bad prefix, naming the variable', () => {
    const config = loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_OUTBOUND_NAT64_PREFIXES: ' 2001:db8:64::/96, 2001:db8::/32,,[2001:db8:100::]/40 ' });
    expect(config.addressPolicy.nat64Prefixes?.map((p) => `${p.prefix.toString()}/${p.length}`)).toEqual([
      '2001:db8:64::/96',
      '2001:db8::/32',
      '2001:db8:100::/40',
    ]);
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_OUTBOUND_NAT64_PREFIXES: '2001:db8:64::/97' })).toThrow(
      /WEFT_OUTBOUND_NAT64_PREFIXES: "2001:db8:64::\/97": a NAT64 prefix length is 32, 40, 48, 56, 64 or 96/,
    );
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_OUTBOUND_NAT64_PREFIXES: '10.0.0.0/8' })).toThrow(
      /WEFT_OUTBOUND_NAT64_PREFIXES: "10\.0\.0\.0\/8" is not an IPv6 prefix/,
    );
  });

  it('reads WEFT_WORKSPACE_ROOTS (none by default)', () => {
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't' }).workspaceRoots).toEqual([]);
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_WORKSPACE_ROOTS: '/srv/repos:/home/ci/work/' }).workspaceRoots).toEqual(['/srv/repos', '/home/ci/work']);
  });

  it('selects the model provider from ANTHROPIC_* and derives the HTTP URL', () => {
    const dir = dataDirWithToken('file-token-0123456789');
    const config = loadConfig({
      WEFT_DATA_DIR: dir,
      WEFT_SERVER_URL: 'wss://weft.example.com/base/',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:11434',
      WEFT_FALLBACK_MODELS: 'a, b,',
    });
    expect(config.servers).toEqual([{ socketUrl: 'wss://weft.example.com/base/ws/runner', httpUrl: 'https://weft.example.com/base' }]);
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
    const config = loadConfig({
      WEFT_RUNNER_TOKEN: 't',
      WEFT_RUNNER_NAME: 'builder-1',
      WEFT_RUNNER_CAPACITY: '12',
      WEFT_SERVER_URL: 'https://weft.example.com/base/',
    });
    expect(config).toMatchObject({ name: 'builder-1', capacity: 12, servers: [{ socketUrl: 'wss://weft.example.com/base/ws/runner' }] });
  });

  it('reads several servers from a comma-separated WEFT_SERVER_URL, in order', () => {
    const config = loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_SERVER_URL: ' http://a.internal:8787 , wss://b.internal/weft/,http://10.0.0.3:9000,' });
    expect(config.servers).toEqual([
      { socketUrl: 'ws://a.internal:8787/ws/runner', httpUrl: 'http://a.internal:8787' },
      { socketUrl: 'wss://b.internal/weft/ws/runner', httpUrl: 'https://b.internal/weft' },
      { socketUrl: 'ws://10.0.0.3:9000/ws/runner', httpUrl: 'http://10.0.0.3:9000' },
    ]);
  });

  it('exports traces when an OTLP endpoint is set, as the runner unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: {},
      serviceName: 'weft-runner',
      scheduleDelayMs: 5000,
    });
    expect(loadConfig({ WEFT_RUNNER_TOKEN: 't', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeNull();
  });

  it('names every bad entry of the server list, not just the first', () => {
    let problems: string[] = [];
    try {
      loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_SERVER_URL: 'weft-a:8787,http://b:8787,mailto:x@y' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'WEFT_SERVER_URL: "weft-a:8787" is not an http(s):// or ws(s):// URL',
      'WEFT_SERVER_URL: "mailto:x@y" is not an http(s):// or ws(s):// URL',
    ]);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['a non-numeric capacity', { WEFT_RUNNER_CAPACITY: 'lots' }, /WEFT_RUNNER_CAPACITY="lots"/],
    ['a zero capacity', { WEFT_RUNNER_CAPACITY: '0' }, /WEFT_RUNNER_CAPACITY="0": must be at least 1/],
    ['a server URL that is not a URL', { WEFT_SERVER_URL: 'localhost:8787' }, /WEFT_SERVER_URL: "localhost:8787" is not an http\(s\):\/\/ or ws\(s\):\/\/ URL/],
    [
      'a bad entry among several server URLs',
      { WEFT_SERVER_URL: 'http://a:8787,ftp://b:8787,http://c:8787' },
      /WEFT_SERVER_URL: "ftp:\/\/b:8787" is not an http/,
    ],
    ['a server entry with no host', { WEFT_SERVER_URL: 'http://a:8787,http:///x' }, /WEFT_SERVER_URL: "http:\/\/\/x" is not an http/],
    [
      'the same server listed twice',
      { WEFT_SERVER_URL: 'http://a:8787,ws://a:8787/' },
      /WEFT_SERVER_URL: "ws:\/\/a:8787\/" names the same server as "http:\/\/a:8787"/,
    ],
    ['a server list of commas only', { WEFT_SERVER_URL: ' , ,' }, /WEFT_SERVER_URL: names no server URL/],
    ['an unknown log level', { WEFT_LOG_LEVEL: 'loud' }, /WEFT_LOG_LEVEL/],
    ['a WEFT_HTTP_DENY_PRIVATE other than 1 or 0', { WEFT_HTTP_DENY_PRIVATE: 'yes' }, /WEFT_HTTP_DENY_PRIVATE="yes": must be 1 or 0/],
    [
      'a WEFT_HTTP_ALLOW entry that is neither host nor range',
      { WEFT_HTTP_ALLOW: 'localhost,10.0.0.0/99' },
      /WEFT_HTTP_ALLOW: "10.0.0.0\/99" is not a host name/,
    ],
    ['a relative WEFT_WORKSPACE_ROOTS entry', { WEFT_WORKSPACE_ROOTS: '/srv:repos' }, /WEFT_WORKSPACE_ROOTS: "repos" is not an absolute directory/],
    ['a wildcard in WEFT_HTTP_ALLOW', { WEFT_HTTP_ALLOW: '*.example.com' }, /WEFT_HTTP_ALLOW: "\*.example.com"/],
    ['a URL in WEFT_HTTP_ALLOW', { WEFT_HTTP_ALLOW: 'http://localhost:8080' }, /WEFT_HTTP_ALLOW: "http:\/\/localhost:8080"/],
    ['an OTLP endpoint that is no URL', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": must be an http/],
  ];
  it.each(bad)('names the variable for %s', (_name, env, message) => {
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: 't', ...env })).toThrow(message);
  });

  it('explains a missing token', () => {
    const dir = dataDirWithToken(null);
    expect(() => loadConfig({ WEFT_DATA_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ WEFT_DATA_DIR: dir })).toThrow(
      /WEFT_RUNNER_TOKEN: not set and no runner token in .*runner-token; set WEFT_RUNNER_TOKEN to the server's runner token/,
    );
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
