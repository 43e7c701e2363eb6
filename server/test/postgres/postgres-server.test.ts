import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { RECONNECT_BACKOFF_MS } from '../../src/db/postgres/pg-database';
import { fullDisk } from '../faults/full-disk';
import { startServerProcess } from '../helpers/failing-start';
import { connectFakeRunner } from '../helpers/fake-runner';
import { waitUntil } from '../helpers/live-client';
import { makeDataDir, startServer, type TestServer } from '../helpers/server';
import { runWeftCli } from '../helpers/weft-cli';
import { startTcpGate } from '../support/tcp-gate';
import { usePostgres } from '../support/use-postgres';

/**
 * One server on PostgreSQL (WEFT_DATABASE_URL): the setting's checks, start-up failures, readiness
 * probed with a write, and what SQLite alone offers answering clearly. The integration suites run
 * on PostgreSQL in the server-postgres project (vitest.config.ts).
 */

const server = usePostgres();
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('WEFT_DATABASE_URL', () => {
  it('must be a postgres:// URL with a database; a bad one is named, its value (it may hold a password) redacted', () => {
    for (const bad of ['mysql://u:secret@h/db', 'postgres://u:secret@h', 'not a url']) {
      const err = (() => {
        try {
          loadConfig({ WEFT_DATABASE_URL: bad });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/WEFT_DATABASE_URL=\[redacted\]: must be a PostgreSQL URL/);
      expect((err as Error).message).not.toContain('secret');
    }
    expect(loadConfig({ WEFT_DATABASE_URL: 'postgresql://weft@db.internal:5432/weft' }).databaseUrl).toBe('postgresql://weft@db.internal:5432/weft');
    expect(loadConfig({}).databaseUrl).toBeUndefined();
  });

  it('WEFT_DATABASE_STATEMENT_TIMEOUT_MS is 30 s unless set, in whole milliseconds from 100 to an hour', () => {
    expect(loadConfig({}).databaseStatementTimeoutMs).toBe(30_000);
    expect(loadConfig({ WEFT_DATABASE_STATEMENT_TIMEOUT_MS: '5000' }).databaseStatementTimeoutMs).toBe(5000);
    for (const [bad, why] of [
      ['soon', 'must be a whole number of milliseconds'],
      ['50', 'must be at least 100'],
      ['1.5e7', 'must be at most 3600000 (an hour)'],
    ]) {
      expect(() => loadConfig({ WEFT_DATABASE_STATEMENT_TIMEOUT_MS: bad })).toThrow(`WEFT_DATABASE_STATEMENT_TIMEOUT_MS=${JSON.stringify(bad)}: ${why}`);
    }
  });

  it('a database that cannot be reached fails the start in one sentence naming the setting, without the password', async () => {
    const result = await startServerProcess({ WEFT_DATA_DIR: makeDataDir(), WEFT_DATABASE_URL: 'postgres://weft:hunter2secret@127.0.0.1:1/weft' });
    expect(result.code, result.output).toBe(1);
    const line = result.output.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^weft: Weft cannot connect to the PostgreSQL database in WEFT_DATABASE_URL \(postgres:\/\/weft:\*\*\*@127\.0\.0\.1:1\/weft\).*\.$/);
    expect(line).not.toContain('hunter2secret');
  }, 60_000);
});

describe('a server on PostgreSQL', () => {
  it('migrates an empty database at start, and /api/ready probes it with a write', async () => {
    const url = await server.server().createDatabase();
    // Probing on every call: the next /api/ready below must see what changed since the last one.
    const s = await startServer({ env: { WEFT_DATABASE_URL: url }, config: { readyProbeEveryMs: 0 } });
    servers.push(s);
    expect((s.app.db as { kind?: string }).kind).toBe('postgres');
    const owner = s.app.db.prepare<[], { role: string }>("SELECT role FROM users WHERE id = 'owner'").get();
    expect(owner).toEqual({ role: 'owner' });
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    try {
      const ready = await s.request('GET', '/api/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.database).toEqual({ ok: true });
      // Writes refused (as by a full disk there): the next /api/ready sees it, without any other write.
      const { full, roomy } = fullDisk(s.app.db);
      full();
      const refused = await s.request('GET', '/api/ready');
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'storage_unavailable' });
      expect(refused.body.error.message).toMatch(/disk is full/);
      roomy();
      expect((await s.request('GET', '/api/ready')).status).toBe(200);
    } finally {
      runner.close();
    }
  });

  it('pnpm weft backup / restore / verify point to pg_dump and pg_restore (exit 1); sign-in-link works', async () => {
    const url = await server.server().createDatabase();
    const s = await startServer({ env: { WEFT_DATABASE_URL: url } });
    servers.push(s);
    const env = { WEFT_DATABASE_URL: url, WEFT_DATA_DIR: s.dataDir };
    for (const command of ['backup', 'restore', 'verify']) {
      const run = await runWeftCli([command, path.join(s.dataDir, 'copy.db')], env);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^weft: ${command} works on the SQLite database; this server uses PostgreSQL .*pg_dump.*pg_restore`));
    }
    const link = await runWeftCli(['sign-in-link'], env);
    expect(link.code, link.stderr).toBe(0);
    expect(link.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*/);
    expect(s.app.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM sign_in_links').get()!.n).toBe(1);
  }, 60_000);

  it('a lost connection: the request that meets it answers 503 storage_unavailable, the next ones reconnect', async () => {
    const url = await server.server().createDatabase();
    const s = await startServer({ env: { WEFT_DATABASE_URL: url } });
    servers.push(s);
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    try {
      expect((await s.request('GET', '/api/ready')).status).toBe(200);
      const admin = new pg.Client({ connectionString: server.server().url });
      await admin.connect();
      let write: Awaited<ReturnType<typeof s.request>> | undefined;
      try {
        const name = new URL(url).pathname.slice(1);
        // The server's own statements (its liveness row every second, its ticker) may meet the closed
        // session before this write and reconnect: the write then commits, and the session is closed again.
        for (let attempt = 0; attempt < 5 && (write === undefined || write.status === 201); attempt++) {
          const killed = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
            name,
          ]);
          expect(killed.rows.length).toBeGreaterThan(0);
          write = await s.request('POST', '/api/workflows', { body: { definition: { name: 'x', steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } });
        }
      } finally {
        await admin.end();
      }
      if (!write) throw new Error('no write was made');
      expect(write.status).toBe(503);
      expect(write.body.error.code).toBe('storage_unavailable');
      expect(write.body.error.message).toMatch(/the database server cannot be reached/);
      // The next statement opens a new session: ready again, and writes commit.
      const ready = await s.request('GET', '/api/ready');
      expect(ready.status, JSON.stringify(ready.body)).toBe(200);
      const again = await s.request('POST', '/api/workflows', { body: { definition: { name: 'y', steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } });
      expect(again.status).toBe(201);
      expect((await s.request('GET', `/api/workflows/${again.body.id}`)).status).toBe(200);
    } finally {
      runner.close();
    }
  });

  it('sessions killed again and again under concurrent writes: every request answers (2xx or 503, never 500 or a hang), and afterwards the server is ready and writes commit', async () => {
    const url = await server.server().createDatabase();
    const s = await startServer({ env: { WEFT_DATABASE_URL: url }, config: { readyProbeEveryMs: 0 } });
    servers.push(s);
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 100 });
    const admin = new pg.Client({ connectionString: server.server().url });
    await admin.connect();
    const name = new URL(url).pathname.slice(1);
    const statuses = new Map<number, number>();
    try {
      const workflow = await s.request('POST', '/api/workflows', { body: { definition: { name: 'w', steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } });
      expect(workflow.status).toBe(201);
      let stop = false;
      const client = async (i: number) => {
        for (let n = 0; !stop; n++) {
          const answer =
            n % 2 === 0
              ? await s.request('POST', '/api/workflows', { body: { definition: { name: `w${i}-${n}`, steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } })
              : await s.request('POST', `/api/workflows/${workflow.body.id}/run`, { body: {} });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500 && answer.status !== 503) throw new Error(`${answer.status}: ${JSON.stringify(answer.body)}`);
        }
      };
      const clients = Array.from({ length: 8 }, (_, i) => client(i));
      for (let kill = 0; kill < 8; kill++) {
        await new Promise((r) => setTimeout(r, 250));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      }
      stop = true;
      // Each request answers: a hung one would keep its client (and this test) waiting past its timeout.
      await Promise.all(clients);
    } finally {
      await admin.end();
      runner.close();
    }
    expect(statuses.get(503) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
    expect((statuses.get(201) ?? 0) + (statuses.get(202) ?? 0), JSON.stringify([...statuses])).toBeGreaterThan(0);
    // Recovered: within the reconnect backoff of the last failure, a probe commits and so does a write.
    await waitUntil(async () => (await s.request('GET', '/api/ready')).status !== 503, 5_000, 'ready again');
    const again = await s.request('POST', '/api/workflows', { body: { definition: { name: 'after', steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
  }, 60_000);

  it('a statement held past WEFT_DATABASE_STATEMENT_TIMEOUT_MS: PostgreSQL cancels it, the request answers 503 storage_unavailable at once, the next one succeeds', async () => {
    const url = await server.server().createDatabase();
    const s = await startServer({ env: { WEFT_DATABASE_URL: url, WEFT_DATABASE_STATEMENT_TIMEOUT_MS: '400' } });
    servers.push(s);
    const created = await s.request('POST', '/api/workflows', { body: { definition: { name: 'kept', steps: [{ id: 'a', type: 'notify', message: 'hi' }] } } });
    expect(created.status).toBe(201);
    // Another session holds the table: every statement on it waits, until PostgreSQL's timeout cancels it.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    let held: Awaited<ReturnType<typeof s.request>>;
    const started = Date.now();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE workflows IN ACCESS EXCLUSIVE MODE');
      held = await s.request('GET', '/api/workflows');
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
    expect(held.status, JSON.stringify(held.body)).toBe(503);
    expect(held.body.error.code).toBe('storage_unavailable');
    expect(held.body.error.message).toContain('a statement ran past the database’s statement timeout');
    // Not the default 30 s, nor the thread's grace on top of it: the setting decided.
    expect(Date.now() - started).toBeLessThan(15_000);
    const listed = await s.request('GET', '/api/workflows');
    expect(listed.status).toBe(200);
    expect(listed.body.workflows.map((w: { id: string }) => w.id)).toContain(created.body.id);
  });

  it('/api/ready probes at most every readyProbeEveryMs, and after a transaction open at the call commits', async () => {
    const url = await server.server().createDatabase();
    const cached = await startServer({ env: { WEFT_DATABASE_URL: url } });
    servers.push(cached);
    const runner = await connectFakeRunner(cached.url, cached.runnerToken);
    const disk = fullDisk(cached.app.db);
    try {
      expect((await cached.request('GET', '/api/ready')).status).toBe(200);
      disk.full();
      // Within the interval the last probe's result stands: no write, so the refused writes go unseen.
      expect((await cached.request('GET', '/api/ready')).status).toBe(200);
      disk.roomy();
    } finally {
      runner.close();
    }
    const url2 = await server.server().createDatabase();
    const s = await startServer({ env: { WEFT_DATABASE_URL: url2 }, config: { readyProbeEveryMs: 0 } });
    servers.push(s);
    const runner2 = await connectFakeRunner(s.url, s.runnerToken);
    const full = fullDisk(s.app.db);
    try {
      expect((await s.request('GET', '/api/ready')).status).toBe(200);
      // A transaction is open when /api/ready comes (as a group-commit batch would be); the disk
      // fills in it. The answer is the probe's after its COMMIT, not the state from before.
      s.app.db.exec('BEGIN');
      full.full();
      const ready = s.request('GET', '/api/ready');
      await new Promise((r) => setTimeout(r, 30));
      s.app.db.exec('COMMIT');
      const answer = await ready;
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'storage_unavailable', message: expect.stringMatching(/disk is full/) });
      full.roomy();
      expect((await s.request('GET', '/api/ready')).status).toBe(200);
    } finally {
      runner2.close();
    }
  });

  it('PostgreSQL down: requests answer 503 storage_unavailable without waiting on reconnects; once it is back the next request succeeds', async () => {
    const direct = new URL(await server.server().createDatabase());
    const gate = await startTcpGate({ host: direct.hostname, port: Number(direct.port) });
    const url = new URL(direct);
    url.hostname = '127.0.0.1';
    url.port = String(gate.port);
    const s = await startServer({ env: { WEFT_DATABASE_URL: url.toString() } });
    servers.push(s);
    const runner = await connectFakeRunner(s.url, s.runnerToken);
    try {
      expect((await s.request('GET', '/api/ready')).status).toBe(200);
      await gate.shut();
      for (const path of ['/api/workflows', '/api/ready', '/api/workflows']) {
        const down = await s.request('GET', path);
        expect(down.status, path).toBe(503);
        expect(down.body.error.code).toBe('storage_unavailable');
        expect(down.body.error.message).toMatch(/the database server cannot be reached/);
      }
      await gate.reopen();
      // Within RECONNECT_BACKOFF_MS of the last failed reconnect no new session is tried.
      await new Promise((r) => setTimeout(r, RECONNECT_BACKOFF_MS + 100));
      expect((await s.request('GET', '/api/workflows')).status).toBe(200);
      expect((await s.request('GET', '/api/ready')).status).toBe(200);
    } finally {
      runner.close();
      await gate.close();
    }
  });
});
