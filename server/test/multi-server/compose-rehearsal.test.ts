import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXECUTIONS_TOPIC, executionTopic } from '@weft/shared';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../faults/harness';
import { connectLive, type LiveClient, waitUntil } from '../helpers/live-client';
import { makeDataDir } from '../helpers/server';
import { usePostgres } from '../support/use-postgres';
import {
  type Addresses,
  type ComposeFile,
  type Dockerfile,
  type Env,
  mapCaddyfile,
  type Plan,
  planProcess,
  readCompose,
  readDockerfile,
  serviceEnvironment,
  type Topology,
  topology,
} from './compose-file';
import { type FollowingClient, followTopics, seqProblems } from './following-client';

/**
 * docker-compose.yml rehearsed without Docker (issue 21): PostgreSQL, the two servers, the two
 * runners and Caddy started from what the compose file and the Dockerfile say (compose-file.ts maps
 * only what Docker maps: names to 127.0.0.1 and ports, volumes to directories, the proxy's fixed
 * address), then used through the proxy only, as a browser and a webhook sender would, while
 * server-1 is SIGKILLed. A wrong command, variable, hostname rule or Caddyfile directive in the
 * compose file fails here. What is not exercised: the image build itself (`docker build`), the
 * images' versions (Debian's caddy and postgresql stand in for caddy:2 and postgres:17), the
 * restart policy.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pgServer = usePostgres();

/** What an operator puts in .env: compose interpolates `${VAR:?…}` from it. */
const VARS = {
  POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
  WEFT_TOKEN: `compose-access-${randomBytes(12).toString('hex')}`,
  WEFT_RUNNER_TOKEN: `compose-runner-${randomBytes(12).toString('hex')}`,
  WEFT_SECRET_KEY: randomBytes(32).toString('hex'),
};
/** Variables a mapped service may differ in from the compose file (and the Dockerfile's WEFT_DATA_DIR): addresses and mounts. */
const MAPPED = new Set(['HOST', 'PORT', 'WEFT_DATABASE_URL', 'WEFT_TRUST_PROXY', 'WEFT_SERVER_URL', 'WEFT_DATA_DIR']);

type Proc = { name: string; child: ChildProcess; output(): string; alive(): boolean; kill(signal?: NodeJS.Signals): Promise<void> };

/** A service's process; it dies with the test process (`--pdeathsig`, as the throwaway PostgreSQL does). */
function startProcess(name: string, argv: string[], { cwd, env }: { cwd: string; env: Env }): Proc {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (chunk: Buffer) => {
    out += chunk;
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.on('error', (err) => (out += `\ncannot start ${argv[0]}: ${err.message}\n`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    output: () => out,
    alive,
    async kill(signal = 'SIGKILL') {
      if (alive()) child.kill(signal);
      await exited;
    },
  };
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; text: string; body: any };

/** One HTTP request to 127.0.0.1:`port` with the Host header a client elsewhere would send (fetch cannot set Host). */
function request(port: number, method: string, target: string, { host, headers = {}, body }: { host: string; headers?: Env; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        agent: false,
        timeout: 45_000,
        headers: { host, ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${target}: no answer in 45 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

let compose: ComposeFile;
let dockerfile: Dockerfile;
let top: Topology;
let addresses: Addresses;
let plans: Plan[];
let proxyPort: number;
let workDir: string;
let databaseUrl: string;
const procs = new Map<string, Proc>();
let db: pg.Pool | undefined;

const proc = (name: string) => procs.get(name)!;
const story = () => [...procs.values()].map((p) => `--- ${p.name}${p.alive() ? '' : ' (exited)'}\n${p.output().slice(-3000)}`).join('\n');
/** The browser's Host and Origin: http://localhost:<published port>, as the compose file's header says to open. */
const browserHost = () => `localhost:${proxyPort}`;
const viaProxy = (method: string, target: string, body?: unknown, headers: Env = {}) =>
  request(proxyPort, method, target, {
    host: browserHost(),
    headers: {
      authorization: `Bearer ${VARS.WEFT_TOKEN}`,
      origin: `http://${browserHost()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
/** A signed webhook delivery (`verify: "weft"`) through the proxy. */
/** A workflow and its signed webhook trigger (key `compose-<path's last part>`), made through the proxy; returns the trigger's secret. */
async function hookedWorkflow(name: string, steps: unknown[], hookPath: string): Promise<string> {
  const wf = await viaProxy('POST', '/api/workflows', { definition: { name, steps } });
  expect(wf.status, wf.text).toBe(201);
  const trigger = await viaProxy('PUT', `/api/triggers/compose-${hookPath.split('/').at(-1)}`, {
    workflowId: wf.body.id,
    type: 'webhook',
    webhook: { path: hookPath, rateLimitPerMinute: 10_000 },
  });
  expect(trigger.status, trigger.text).toBe(200);
  return trigger.body.webhook.secret;
}
const postHook = (hookPath: string, secret: string, query = '', payload: unknown = {}) => {
  const target = `/hooks/${hookPath}${query}`;
  const body = JSON.stringify(payload);
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${ts}.${target}.${body}`).digest('hex');
  return request(proxyPort, 'POST', target, {
    host: browserHost(),
    headers: { 'content-type': 'application/json', 'x-weft-timestamp': ts, 'x-weft-signature': `sha256=${signature}` },
    body,
  });
};
/**
 * `postHook` again when Caddy itself refused it (an empty 502 or 503: Weft's errors have JSON
 * bodies). Debian's Caddy 2.6, unlike the compose file's 2.11, sometimes gives up on a request with
 * a body in the second after an upstream died (caddyserver/caddy#7546) without forwarding it.
 */
async function postHookPastOldCaddy(...args: Parameters<typeof postHook>) {
  for (let attempt = 1; ; attempt++) {
    const res = await postHook(...args);
    if (attempt === 3 || !((res.status === 502 || res.status === 503) && res.text === '')) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
}
const direct = (service: string, target: string, host: string) =>
  request(addresses[service]!.port, 'GET', target, { host, headers: { authorization: `Bearer ${VARS.WEFT_TOKEN}` } });

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  await waitUntil(cond, timeoutMs, what).catch((err) => {
    throw new Error(`${(err as Error).message}\n${story()}`);
  });
}

beforeAll(async () => {
  // What the Dockerfile's RUN builds (incremental: nothing when up to date).
  execFileSync(process.execPath, ['scripts/build.mjs', 'server', 'runner', 'client'], { cwd: ROOT, stdio: 'pipe' });
  if (spawnSync('caddy', ['version']).error) {
    throw new Error(
      'caddy not found: the compose rehearsal runs the proxy with Caddy. Install Debian\'s "caddy" package (apt-get install caddy; .ci/run does this).',
    );
  }
  compose = readCompose(path.join(ROOT, 'docker-compose.yml'), VARS);
  dockerfile = readDockerfile(path.join(ROOT, 'Dockerfile'));
  top = topology(compose, dockerfile, ROOT);
  workDir = makeDataDir();

  // PostgreSQL as the postgres image's entrypoint sets it up from POSTGRES_USER / _PASSWORD / _DB.
  const cluster = pgServer.server();
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    const { user, password, database } = top.postgres;
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) throw new Error(`database ${database} already exists on ${cluster.url}: the rehearsal needs the name compose gives it`);
    await admin.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    await admin.query(`CREATE DATABASE "${database}" OWNER "${user}"`);
  } finally {
    await admin.end();
  }
  const clusterUrl = new URL(cluster.url);
  addresses = { [top.byRole('postgres')[0]!.name]: { host: clusterUrl.hostname, port: Number(clusterUrl.port || 5432) } };
  for (const s of top.byRole('server')) addresses[s.name] = { host: '127.0.0.1', port: await freePort() };
  proxyPort = await freePort();

  const serviceDir = (name: string) => {
    const dir = path.join(workDir, name);
    fs.mkdirSync(path.join(dir, 'home'), { recursive: true });
    return dir;
  };
  plans = [...top.byRole('server'), ...top.byRole('runner')].map((s) => {
    const dir = serviceDir(s.name);
    // The machine's PATH; a home and temp dir of the run's own (no ~ of the person running the tests).
    const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(dir, 'home'), TMPDIR: process.env.TMPDIR ?? '/tmp' };
    return planProcess({ name: s.name, compose, top, dockerfile, repoRoot: ROOT, addresses, dataDir: path.join(dir, 'data'), baseEnv });
  });
  for (const plan of plans) for (const dir of Object.values(plan.mounts)) fs.mkdirSync(dir, { recursive: true });
  databaseUrl = plans.find((p) => p.role === 'server')!.env.WEFT_DATABASE_URL!;
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });

  // In depends_on order: the servers together (the migrations run once, under their lock), then the runners and the proxy.
  for (const plan of plans.filter((p) => p.role === 'server')) procs.set(plan.name, startProcess(plan.name, plan.argv, plan));
  for (const s of top.byRole('server')) {
    await waitFor(
      `${s.name} to answer /api/health`,
      async () => {
        if (!proc(s.name).alive()) throw new Error(`${s.name} exited\n${story()}`);
        const res = await direct(s.name, '/api/health', `127.0.0.1:${addresses[s.name]!.port}`).catch(() => null);
        return res?.status === 200;
      },
      30_000,
    );
  }
  for (const plan of plans.filter((p) => p.role === 'runner')) procs.set(plan.name, startProcess(plan.name, plan.argv, plan));

  const proxyName = top.byRole('proxy')[0]!.name;
  const proxyDir = serviceDir(proxyName);
  const caddyfile = path.join(proxyDir, 'Caddyfile');
  fs.writeFileSync(caddyfile, mapCaddyfile(top, addresses, proxyPort, await freePort()));
  procs.set(
    proxyName,
    startProcess(proxyName, ['caddy', 'run', '--config', caddyfile, '--adapter', 'caddyfile'], {
      cwd: proxyDir,
      // The caddy image keeps its state in /config and /data: here the proxy's own directory.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: path.join(proxyDir, 'home'),
        XDG_CONFIG_HOME: path.join(proxyDir, 'config'),
        XDG_DATA_HOME: path.join(proxyDir, 'data'),
      },
    }),
  );

  await waitFor(
    'both runners to connect',
    async () => {
      let connected = 0;
      for (const s of top.byRole('server')) {
        const res = await direct(s.name, '/api/ready', `127.0.0.1:${addresses[s.name]!.port}`).catch(() => null);
        connected += Number((res?.body?.checks ?? res?.body?.error?.details?.checks)?.runner?.connected ?? 0);
      }
      return connected >= top.byRole('runner').length;
    },
    30_000,
  );
  await waitFor('the proxy to answer', async () => (await viaProxy('GET', '/api/health').catch(() => null))?.status === 200, 15_000);
}, 120_000);

afterAll(async () => {
  await Promise.all([...procs.values()].map((p) => p.kill(p.name === top?.byRole('proxy')[0]?.name ? 'SIGTERM' : 'SIGKILL')));
  await db?.end();
  if (top) {
    // The throwaway cluster goes with the file; a server named by WEFT_TEST_DATABASE_URL keeps running.
    const admin = new pg.Client({ connectionString: pgServer.server().url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${top.postgres.database}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${top.postgres.user}"`);
    await admin.end();
  }
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true, maxRetries: 3 });
}, 30_000);

describe('docker-compose.yml, rehearsed with real processes and Caddy', { timeout: 60_000 }, () => {
  it('reads the compose file as Docker does, and passes each service its environment unchanged but for addresses and mounts', () => {
    expect(() => readCompose(path.join(ROOT, 'docker-compose.yml'), { ...VARS, WEFT_TOKEN: '' })).toThrow(
      /required variable WEFT_TOKEN is missing a value: set WEFT_TOKEN/,
    );
    // Merge keys: server-2 has x-server's command; server-1 keeps its own pull_policy over the anchor's.
    const servers = top.byRole('server').map((s) => compose.services[s.name]!);
    for (const s of servers) expect(s.command).toEqual(['node', '--max-semi-space-size=2', 'server/dist/start.js']);
    expect(servers.map((s) => s.pull_policy).sort()).toEqual(['build', 'never']);

    // The image: the repository copied to WORKDIR and built there, WEFT_DATA_DIR on the volume every service mounts.
    expect(dockerfile.copy).toContain('. .');
    expect(dockerfile.run.some((r) => r.includes('node scripts/build.mjs'))).toBe(true);
    expect(dockerfile.env.WEFT_DATA_DIR).toBe('/data');
    for (const s of top.byRole('server')) expect(dockerfile.expose).toContain(s.containerPort);

    for (const plan of plans) {
      // Nothing but the machine's PATH/HOME/TMPDIR, the image's ENV and the service's environment.
      expect(Object.keys(plan.env).sort()).toEqual(
        [...new Set(['PATH', 'HOME', 'TMPDIR', ...Object.keys(dockerfile.env), ...Object.keys(plan.composeEnv)])].sort(),
      );
      for (const [key, value] of Object.entries(plan.composeEnv)) {
        if (MAPPED.has(key)) continue;
        expect(plan.env[key], `${plan.name} ${key}`).toBe(value);
      }
      expect(
        Object.keys(plan.rewritten).every((key) => MAPPED.has(key)),
        `${plan.name}: ${JSON.stringify(plan.rewritten)}`,
      ).toBe(true);
      expect(plan.env.WEFT_DATA_DIR).toBe(plan.mounts['/data']);
      if (plan.role === 'server') {
        expect(plan.composeEnv.HOST).toBe('0.0.0.0');
        expect(plan.env.HOST).toBe('127.0.0.1');
        expect(plan.env.PORT).toBe(String(addresses[plan.name]!.port));
        expect(plan.env.WEFT_TRUST_PROXY).toBe('127.0.0.1');
        expect(plan.composeEnv.WEFT_TRUST_PROXY).toBe(top.proxyAddress);
        // The role and database the postgres service creates: the throwaway cluster trusts any role, so say it here.
        const url = new URL(plan.composeEnv.WEFT_DATABASE_URL!);
        expect([url.username, decodeURIComponent(url.password), url.pathname]).toEqual([top.postgres.user, top.postgres.password, `/${top.postgres.database}`]);
      } else {
        expect(plan.env.WEFT_SERVER_URL!.split(',')).toHaveLength(top.byRole('server').length);
      }
    }
    expect(serviceEnvironment('postgres', compose.services.postgres!).POSTGRES_PASSWORD).toBe(VARS.POSTGRES_PASSWORD);
  });

  it('each server accepts the Host names the compose network uses: runners and Caddy health checks (server-N:8787), browsers (localhost:8080)', async () => {
    for (const s of top.byRole('server')) {
      for (const other of top.byRole('server')) {
        // Caddy's active health check and a runner send the upstream's own name and port as Host.
        expect((await direct(s.name, '/api/health', `${other.name}:${other.containerPort}`)).status, `${s.name} with Host ${other.name}`).toBe(200);
      }
      expect((await direct(s.name, '/api/health', `localhost:${top.proxyPorts.host}`)).status).toBe(200);
    }
  });

  it('through the proxy: health, the sign-in page, a sign-in, and a Host outside WEFT_ALLOWED_HOSTS refused', async () => {
    const health = await viaProxy('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true });
    // The address the compose file says to open: without a one-time code it sends the browser to the sign-in page.
    const login = await request(proxyPort, 'GET', '/login', { host: browserHost() });
    expect(login.status, login.text.slice(0, 300)).toBe(303);
    const signInPage = await request(proxyPort, 'GET', login.headers.location!, { host: browserHost() });
    expect(login.headers.location).toMatch(/^\/signin/);
    expect(signInPage.status).toBe(200);
    expect(signInPage.text).toMatch(/<html/i);
    const signIn = await request(proxyPort, 'POST', '/auth/login', {
      host: browserHost(),
      headers: { 'content-type': 'application/json', origin: `http://${browserHost()}` },
      body: JSON.stringify({ token: VARS.WEFT_TOKEN }),
    });
    expect(signIn.status, signIn.text).toBe(204);
    expect(String(signIn.headers['set-cookie'])).toMatch(/=/);
    const stranger = await request(proxyPort, 'GET', '/api/health', { host: `weft.example.org:${proxyPort}` });
    expect(stranger.status).toBe(403);
    expect(stranger.body?.error?.code).toBe('forbidden_host');
  });

  let helloSecret: string;
  let live: LiveClient | undefined;
  afterAll(() => live?.close());

  it('a signed webhook through the proxy runs on a runner (?wait=30 → 200 succeeded), and a browser socket through the proxy sees its events', async () => {
    // A browser's socket: signed in with the cookie, Host and Origin of the proxy's address.
    const signIn = await request(proxyPort, 'POST', '/auth/login', {
      host: browserHost(),
      headers: { 'content-type': 'application/json', origin: `http://${browserHost()}` },
      body: JSON.stringify({ token: VARS.WEFT_TOKEN }),
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    live = await connectLive(`http://127.0.0.1:${proxyPort}`, { headers: { host: browserHost(), origin: `http://${browserHost()}`, cookie } });
    live.send({ type: 'subscribe', id: 'list', topic: EXECUTIONS_TOPIC });
    await live.waitFor((f) => f.type === 'subscribed' && f.id === 'list');

    // A notify step: bash is off on the real deployment (HOST=0.0.0.0), which here listens on loopback.
    helloSecret = await hookedWorkflow('Compose hello', [{ id: 'hello', type: 'notify', message: 'hello from compose' }], 'compose/hello');
    expect(helloSecret).toMatch(/^whsec_/);

    const hook = await postHook('compose/hello', helloSecret, '?wait=30');
    expect(hook.status, hook.text).toBe(200);
    expect(hook.body).toMatchObject({ status: 'succeeded' });
    const id = hook.body.executionId as string;
    await live.waitFor((f) => f.type === 'event' && f.event.topic === EXECUTIONS_TOPIC && f.event.data?.id === id && f.event.data?.status === 'succeeded');
    live.send({ type: 'subscribe', id: 'run', topic: executionTopic(id) });
    const step = await live.waitFor(
      (f) => f.type === 'event' && f.event.topic === executionTopic(id) && f.event.type === 'step.updated' && f.event.data?.status === 'succeeded',
    );
    expect(step.event.data.stepId).toBe('hello');
  });

  it('SIGKILL server-1: webhooks through the proxy still answer, runner-1 moves to server-2 and runs work, runs started before the kill finish', async () => {
    const [first, second] = top.byRole('server');
    const runnerOnFirst = plans.find((p) => p.role === 'runner' && p.env.WEFT_SERVER_URL!.startsWith(`http://127.0.0.1:${addresses[first!.name]!.port}`))!;
    const browserHeaders = { host: browserHost(), origin: `http://${browserHost()}` };
    const follower: FollowingClient = await followTopics([`http://127.0.0.1:${proxyPort}`], VARS.WEFT_TOKEN, [EXECUTIONS_TOPIC], browserHeaders);
    try {
      const slow = await hookedWorkflow(
        'Compose slow',
        [
          { id: 'pause', type: 'wait', seconds: 2 },
          { id: 'done', type: 'notify', message: 'done' },
        ],
        'compose/slow',
      );
      // Round robin spreads these over both servers; the kill follows the last answer.
      const before: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await postHook('compose/slow', slow, '', { i });
        expect(res.status, res.text).toBe(202);
        before.push(res.body.executionId);
      }
      const outputAtKill = proc(runnerOnFirst.name).output().length;
      await proc(first!.name).kill('SIGKILL');

      // The proxy retries a request the dead server refused on the other (lb_try_duration) and
      // leaves the dead one out from its first failure (fail_duration) and its health checks. Bodiless
      // requests first: Debian's Caddy 2.6 cannot resend a body after a refused connection
      // (caddyserver/caddy#7546, fixed in 2.11.2; the caddy:2 image is newer).
      for (let i = 0; i < 4; i++) {
        const res = await viaProxy('GET', '/api/health');
        expect(res.status, `${res.text}\n${story()}`).toBe(200);
      }
      const after: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await postHook('compose/hello', helloSecret, '?wait=30', { after: i });
        expect(res.status, `${res.text}\n${story()}`).toBe(200);
        expect(res.body.status).toBe('succeeded');
        after.push(res.body.executionId);
      }

      // runner-1 connects to the next server of its list, and /api/ready (server-2's, the only one
      // answering the proxy now) counts both runners.
      const secondUrl = `http://127.0.0.1:${addresses[second!.name]!.port}`;
      const sinceKill = () => proc(runnerOnFirst.name).output().slice(outputAtKill);
      await waitFor(`${runnerOnFirst.name} to connect to ${second!.name}`, () => sinceKill().includes(`connected to the server server=${secondUrl}`), 20_000);
      await waitFor(
        `both runners on ${second!.name}`,
        async () => {
          const ready = await viaProxy('GET', '/api/ready');
          return ready.status === 200 && ready.body.checks.runner.connected === top.byRole('runner').length;
        },
        15_000,
      );
      // And runs work there: deliveries side by side until one is leased to it (the dispatcher gives
      // each to the runner with the most free slots).
      await waitFor(
        `${runnerOnFirst.name} to run an execution through ${second!.name}`,
        async () => {
          const batch = await Promise.all([0, 1, 2, 3].map((i) => postHookPastOldCaddy('compose/hello', helloSecret, '?wait=30', { batch: i })));
          for (const res of batch) {
            expect(res.status, res.text).toBe(200);
            after.push(res.body.executionId);
          }
          const connectedAt = sinceKill().indexOf(`connected to the server server=${secondUrl}`);
          return after.some((id) => sinceKill().indexOf(`lease received executionId=${id}`) > connectedAt);
        },
        20_000,
      );

      // The runs acknowledged before the kill finish, whichever server took them.
      await waitFor(
        'the runs started before the kill to succeed',
        async () => {
          const statuses = await Promise.all(before.map(async (id) => (await viaProxy('GET', `/api/executions/${id}`)).body?.status));
          return statuses.every((s) => s === 'succeeded');
        },
        30_000,
      );

      // A browser following the list through the proxy saw it whole across the kill (it reconnects
      // through the proxy when its server was the one killed, resuming after its last seq).
      const stored = async () =>
        (await db!.query<{ seq: string }>('SELECT seq FROM events WHERE topic = $1 ORDER BY seq', [EXECUTIONS_TOPIC])).rows.map((r) => Number(r.seq));
      await waitFor(
        'the browser to catch up on the executions list',
        async () => (follower.seqs.get(EXECUTIONS_TOPIC)?.length ?? 0) >= (await stored()).length,
        10_000,
      );
      expect(seqProblems(follower.seqs.get(EXECUTIONS_TOPIC)!, await stored())).toBeNull();
      expect(proc(second!.name).alive()).toBe(true);
      for (const runner of plans.filter((p) => p.role === 'runner')) expect(proc(runner.name).alive(), proc(runner.name).output().slice(-2000)).toBe(true);
    } finally {
      follower.close();
    }
  });
});
