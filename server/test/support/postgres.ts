import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL for the tests. With WEFT_TEST_DATABASE_URL (a role allowed to CREATE DATABASE) the
 * tests use that server; without it each test file starts a throwaway cluster from Debian's
 * `postgresql` binaries (.ci/run installs them): `initdb` into a temporary directory, a private port on
 * 127.0.0.1, its unix socket in that directory, fsync left on. The cluster is stopped and its
 * directory removed when the file ends; if the test process dies first, the kernel stops it
 * (`setpriv --pdeathsig`), so no postgres outlives the run.
 *
 * Missing binaries fail the tests with a message saying what to install: never a skip.
 */

const BIN_ROOT = '/usr/lib/postgresql';

export type TestPostgres = {
  /** The server's URL for a role that may create databases (its `postgres` database). */
  url: string;
  /**
   * Creates a fresh empty database and returns its URL. `icuLocale` (e.g. 'en-US') gives it a
   * natural-language default collation, as a production database often has, instead of the cluster's C.
   */
  createDatabase(options?: { icuLocale?: string }): Promise<string>;
  /** Drops the databases created here and stops the cluster started here (if any). */
  stop(): Promise<void>;
};

/** The newest `/usr/lib/postgresql/<v>/bin` that has initdb and postgres (WEFT_TEST_PG_BIN overrides). */
export function postgresBinDir(): string {
  const override = process.env.WEFT_TEST_PG_BIN;
  const candidates = override
    ? [override]
    : (fs.existsSync(BIN_ROOT) ? fs.readdirSync(BIN_ROOT) : [])
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => path.join(BIN_ROOT, v, 'bin'));
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres')));
  if (!found) {
    throw new Error(
      `PostgreSQL server binaries not found (looked for initdb and postgres in ${override ?? `${BIN_ROOT}/<version>/bin`}). ` +
        'Install Debian\'s "postgresql" package (apt-get install postgresql; .ci/run does this), or set WEFT_TEST_DATABASE_URL to a server the tests may create databases on.',
    );
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs as the `postgres` user when we are root (initdb and postgres refuse root), as ourselves otherwise. */
function asServerUser(): string[] {
  if (process.getuid?.() !== 0) return [];
  return ['--reuid=postgres', '--regid=postgres', '--init-groups'];
}

type Cluster = { url: string; stop(): Promise<void> };

/** The process that made each cluster directory, so a later run can tell an abandoned one. */
const OWNER_FILE = 'owner.pid';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes cluster directories whose test process died (its postgres was stopped by the kernel, see
 * `--pdeathsig`, but nothing was left to remove the files).
 */
function sweepAbandoned(base: string): void {
  for (const name of fs.readdirSync(base)) {
    if (!name.startsWith('weft-pg-')) continue;
    const dir = path.join(base, name);
    let owner: number;
    try {
      owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner) && !fs.existsSync(path.join(dir, 'data', 'postmaster.pid'))) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        /* another user's: not ours to remove */
      }
    }
  }
}

async function startCluster(): Promise<Cluster> {
  const bin = postgresBinDir();
  const root = process.getuid?.() === 0;
  // Under root the directory must be reachable by `postgres`: the test run's TMPDIR is root's 0700 folder.
  const base = root ? '/tmp' : os.tmpdir();
  sweepAbandoned(base);
  const dir = fs.mkdtempSync(path.join(base, 'weft-pg-'));
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  const data = path.join(dir, 'data');
  const remove = () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    if (root) spawnSync('chown', ['postgres:postgres', dir], { stdio: 'ignore' });
    const init = spawnSync(
      'setpriv',
      [
        ...asServerUser(),
        '--',
        path.join(bin, 'initdb'),
        '-D',
        data,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      { encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error?.message}`);
  } catch (err) {
    remove();
    throw err;
  }

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const logFile = path.join(dir, 'postgres.log');
    const log = fs.openSync(logFile, 'a');
    const child: ChildProcess = spawn(
      'setpriv',
      [
        ...asServerUser(),
        // Fast shutdown if this process dies without stopping it.
        '--pdeathsig',
        'INT',
        '--',
        path.join(bin, 'postgres'),
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'shared_buffers=16MB',
        '-c',
        'max_connections=60',
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // setpriv missing or not executable: nothing started, reported below with the log.
      child.once('error', (err) => {
        fs.appendFileSync(logFile, `cannot start postgres: ${err.message}\n`);
        resolve();
      });
    });
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const halt = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    };
    if (await waitReady(url, exited)) {
      return {
        url,
        async stop() {
          await halt();
          remove();
        },
      };
    }
    await halt();
    if (attempt >= 2) {
      const output = fs.readFileSync(logFile, 'utf8');
      remove();
      throw new Error(`PostgreSQL did not start:\n${output}`);
    }
    // Most likely the port was taken between choosing and binding it: try another.
  }
}

async function waitReady(url: string, exited: Promise<void>): Promise<boolean> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + 30_000;
  while (!dead && Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/** A server (given or started) on which fresh databases are created and dropped afterwards. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.WEFT_TEST_DATABASE_URL;
  const cluster = given ? null : await startCluster();
  const adminUrl = given ?? cluster!.url;
  const created: string[] = [];
  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    url: adminUrl,
    async createDatabase({ icuLocale }: { icuLocale?: string } = {}) {
      const name = `weft_test_${randomBytes(6).toString('hex')}`;
      const locale = icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${icuLocale.replace(/[^A-Za-z0-9-]/g, '')}'` : '';
      await withAdmin((c) => c.query(`CREATE DATABASE ${name}${locale}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (cluster) {
        await cluster.stop();
        return;
      }
      await withAdmin(async (c) => {
        for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}
