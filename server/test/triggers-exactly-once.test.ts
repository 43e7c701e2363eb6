import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TICK_CHUNK } from '../src/triggers/scheduler';
import { makeDataDir, minimalDefinition, startServer, type TestServer } from './helpers/server';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const src = (p: string) => pathToFileURL(path.join(SRC, p)).href;

const fixedClock = (iso: string) => {
  const clock = { at: new Date(iso), now: () => clock.at };
  return clock;
};

/** Creates `count` every-minute triggers through the service (fast), created at the clock's time. */
async function seedTriggers(s: TestServer, count: number, prefix = 't') {
  const wf = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Race') } });
  for (let i = 0; i < count; i++) {
    s.app.triggers.upsert(`${prefix}-${i}`, {
      workflowId: wf.body.id,
      type: 'schedule',
      enabled: true,
      schedule: { cron: '* * * * *', timezone: 'UTC', overlap: 'allow' },
    });
  }
}

/** Per trigger and tick: deliveries and executions; every started delivery has exactly one execution. */
function census(s: TestServer) {
  const db = s.app.db;
  const perTick = db
    .prepare(
      "SELECT trigger_key AS key, scheduled_for AS at, COUNT(*) AS n, SUM(status = 'started') AS started FROM trigger_deliveries GROUP BY trigger_key, scheduled_for",
    )
    .all() as { key: string; at: number; n: number; started: number }[];
  const executions = db
    .prepare("SELECT json_extract(trigger, '$.key') AS key, json_extract(trigger, '$.scheduledFor') AS at, COUNT(*) AS n FROM executions GROUP BY 1, 2")
    .all() as { key: string; at: string; n: number }[];
  const orphans = db
    .prepare(
      "SELECT COUNT(*) AS n FROM trigger_deliveries WHERE status = 'started' AND (execution_id IS NULL OR execution_id NOT IN (SELECT id FROM executions))",
    )
    .get() as { n: number };
  return { perTick, executions, orphans: orphans.n };
}

/**
 * A scheduler in its own process on the data dir, with the clock fixed at `now`. With a `barrier`
 * (`{ dir, me, other }`) its first tick stops where it has read the due triggers and is about to
 * write, until the other process has got there too: both then race to fire the same ticks. It can
 * kill itself with SIGKILL in the middle of a tick's transaction: just before (`before`) or just
 * after (`after`) the Nth execution is written.
 */
function spawnTicker({
  dataDir,
  now,
  ticks = 1,
  crashAt,
  crashWhen = 'before',
  barrier,
}: {
  dataDir: string;
  now: string;
  ticks?: number;
  crashAt?: number;
  crashWhen?: 'before' | 'after';
  barrier?: { dir: string; me: string; other: string };
}) {
  const code = `
    import { openDatabase } from '${src('db/open.ts')}';
    import { createJournal } from '${src('journal/journal.ts')}';
    import { createWorkflowsService } from '${src('workflows/workflows-service.ts')}';
    import { createSessionsService } from '${src('sessions/sessions-service.ts')}';
    import { createExecutionsService } from '${src('executions/executions-service.ts')}';
    import { createTriggersService } from '${src('triggers/triggers-service.ts')}';
    const clock = { now: () => new Date(${JSON.stringify(now)}) };
    const db = openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
    const journal = createJournal({ db, clock });
    const workflows = createWorkflowsService({ db, clock });
    const sessions = createSessionsService({ db, journal, clock });
    const executions = createExecutionsService({ db, journal, clock, workflows, sessions });
    const triggers = createTriggersService({ db, journal, clock, workflows, executions });
    const crashAt = ${crashAt ?? -1};
    let starts = 0;
    const start = executions.start;
    executions.start = (input) => {
      starts++;
      if (starts === crashAt && ${JSON.stringify(crashWhen)} === 'before') process.kill(process.pid, 'SIGKILL');
      const r = start(input);
      if (starts === crashAt) process.kill(process.pid, 'SIGKILL');
      return r;
    };
    // The scheduler's first write transaction comes after it has read the due triggers: the barrier
    // sits there. What this process saw due then goes into its report.
    const barrier = ${JSON.stringify(barrier ?? null)};
    let met = null;
    if (barrier) {
      const fs = await import('node:fs');
      const transaction = journal.transaction;
      journal.transaction = (fn) => {
        if (met === null) {
          const due = db.prepare('SELECT COUNT(*) AS n FROM triggers WHERE next_run_at IS NOT NULL AND next_run_at <= ?').get(clock.now().getTime()).n;
          fs.writeFileSync(barrier.dir + '/' + barrier.me, '');
          const deadline = Date.now() + 30000;
          // Exits rather than throws: the scheduler would take a throw for a failed chunk and retry it.
          while (!fs.existsSync(barrier.dir + '/' + barrier.other)) if (Date.now() > deadline) process.exit(3);
          met = { due };
        }
        return transaction(fn);
      };
    }
    const reports = [];
    for (let i = 0; i < ${ticks}; i++) reports.push(triggers.scheduler.tick());
    process.stdout.write(JSON.stringify({ reports, met }) + '\\n');
    db.close();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: path.dirname(SRC), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  type Outcome = { reports: { started: number }[]; met: { due: number } | null };
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null } & Outcome>((resolve) =>
    child.on('exit', (code, signal) => {
      let outcome: Outcome = { reports: [], met: null };
      try {
        outcome = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Outcome;
      } catch {
        if (!signal) throw new Error(`ticker failed: ${out}`);
      }
      resolve({ code, signal, ...outcome });
    }),
  );
}

describe('exactly once per tick', () => {
  it('two server instances on one data dir, both ticking, start one execution per tick', async () => {
    const clock = fixedClock('2026-05-01T09:59:30Z');
    const dataDir = makeDataDir();
    const a = await startServer({ dataDir, clock });
    const b = await startServer({ dataDir, clock });
    try {
      await seedTriggers(a, 25);
      for (let minute = 0; minute < 5; minute++) {
        clock.at = new Date(Date.parse('2026-05-01T10:00:05Z') + minute * 60_000);
        const [first, second] = minute % 2 === 0 ? [a, b] : [b, a];
        first.app.triggers.scheduler.tick();
        second.app.triggers.scheduler.tick();
        first.app.triggers.scheduler.tick();
      }
      const c = census(a);
      expect(c.perTick).toHaveLength(25 * 5);
      expect(c.perTick.every((t) => t.n === 1 && t.started === 1)).toBe(true);
      expect(c.executions).toHaveLength(25 * 5);
      expect(c.executions.every((e) => e.n === 1)).toBe(true);
      expect(c.orphans).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('two scheduler processes racing on one database start one execution per tick', async () => {
    const dataDir = makeDataDir();
    const setup = await startServer({ dataDir, clock: fixedClock('2026-05-01T09:59:30Z') });
    await seedTriggers(setup, 300);
    await setup.close();

    const [one, two] = await Promise.all([
      spawnTicker({ dataDir, now: '2026-05-01T10:00:05Z', ticks: 3, barrier: { dir: dataDir, me: 'one', other: 'two' } }),
      spawnTicker({ dataDir, now: '2026-05-01T10:00:05Z', ticks: 3, barrier: { dir: dataDir, me: 'two', other: 'one' } }),
    ]);
    const startedBy = (r: typeof one) => r.reports.reduce((sum, x) => sum + x.started, 0);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    // They overlapped: each had read all 300 triggers as due and waited at the barrier for the
    // other before writing anything, so both went on to fire the very same ticks.
    expect(one.met).toEqual({ due: 300 });
    expect(two.met).toEqual({ due: 300 });
    expect(startedBy(one) + startedBy(two)).toBe(300);

    const check = await startServer({ dataDir, clock: fixedClock('2026-05-01T10:00:05Z') });
    try {
      const c = census(check);
      expect(c.perTick).toHaveLength(300);
      expect(c.perTick.every((t) => t.n === 1 && t.started === 1)).toBe(true);
      expect(c.executions.every((e) => e.n === 1)).toBe(true);
      expect(c.executions.reduce((sum, e) => sum + e.n, 0)).toBe(300);
      expect(c.orphans).toBe(0);
    } finally {
      await check.close();
    }
  });

  for (const crashWhen of ['before', 'after'] as const) {
    it(`a scheduler killed mid-tick (${crashWhen} writing an execution) and restarted fires every tick once`, async () => {
      const dataDir = makeDataDir();
      const setup = await startServer({ dataDir, clock: fixedClock('2026-05-01T09:59:30Z') });
      await seedTriggers(setup, 200);
      await setup.close();

      const crashed = await spawnTicker({ dataDir, now: '2026-05-01T10:00:05Z', crashAt: 120, crashWhen });
      expect(crashed.signal).toBe('SIGKILL');

      const s = await startServer({ dataDir, clock: fixedClock('2026-05-01T10:00:05Z') });
      try {
        // What the crashed process committed: the whole chunks before the one it died in.
        const before = census(s);
        expect(before.perTick).toHaveLength(Math.floor(119 / TICK_CHUNK) * TICK_CHUNK);
        expect(before.orphans).toBe(0);
        s.app.triggers.scheduler.tick();
        s.app.triggers.scheduler.tick();
        const after = census(s);
        expect(after.perTick).toHaveLength(200);
        expect(after.perTick.every((t) => t.n === 1 && t.started === 1)).toBe(true);
        expect(after.executions.reduce((sum, e) => sum + e.n, 0)).toBe(200);
        expect(after.executions.every((e) => e.n === 1)).toBe(true);
        expect(after.orphans).toBe(0);
      } finally {
        await s.close();
      }
    });
  }

  it('re-running a tick after a restart starts nothing twice, even with the cursor rolled back', async () => {
    const clock = fixedClock('2026-05-01T09:59:30Z');
    const dataDir = makeDataDir();
    const a = await startServer({ dataDir, clock });
    await seedTriggers(a, 10);
    clock.at = new Date('2026-05-01T10:00:05Z');
    a.app.triggers.scheduler.tick();
    await a.close();

    const b = await startServer({ dataDir, clock });
    try {
      // As if a process had read the old cursor before the first one committed: only the unique
      // (trigger, scheduledFor) key stands between it and a second run.
      b.app.db.prepare('UPDATE triggers SET cursor_at = ?, next_run_at = ?').run(Date.parse('2026-05-01T09:59:30Z'), Date.parse('2026-05-01T10:00:00Z'));
      const report = b.app.triggers.scheduler.tick();
      expect(report).toMatchObject({ triggers: 10, started: 0, skipped: 0 });
      const c = census(b);
      expect(c.perTick).toHaveLength(10);
      expect(c.executions.reduce((sum, e) => sum + e.n, 0)).toBe(10);
    } finally {
      await b.close();
    }
  });
});
