import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/** The scheduler reads this clock; tests move it and call tick() instead of sleeping. */
const clock = {
  at: new Date('2026-01-01T00:00:00Z'),
  now() {
    return this.at;
  },
  set(iso: string) {
    this.at = new Date(iso);
  },
};

let s: TestServer;
let workflowId: string;
let n = 0;
/** A fresh server (and database) per describe block, so one block's triggers and runs do not reach the next. */
function useServer() {
  beforeAll(async () => {
    // Leases are timed by the same fake clock: long enough that moving it a few minutes keeps them.
    s = await startServer({ clock, config: { leaseMs: 600_000, engineTickMs: 50 } });
    workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Scheduled') } })).body.id;
  });
  afterAll(() => s.close());
  // Each test's triggers stop when it ends, or the next test's clock jumps would fire them.
  afterEach(async () => {
    for (const t of (await s.request('GET', '/api/triggers')).body.triggers) await s.request('DELETE', `/api/triggers/${t.key}`);
  });
}

const tick = () => s.app.triggers.scheduler.tick();

async function schedule(body: { cron: string; timezone?: string; catchUp?: string; catchUpWindowSeconds?: number; overlap?: string }) {
  const key = `sched-${++n}`;
  const res = await s.request('PUT', `/api/triggers/${key}`, { body: { workflowId, type: 'schedule', enabled: true, schedule: { timezone: 'UTC', ...body } } });
  expect(res.status).toBe(200);
  return key;
}

async function deliveries(key: string) {
  const res = await s.request('GET', `/api/triggers/${key}/deliveries?limit=200`);
  expect(res.status).toBe(200);
  return (res.body.deliveries as any[]).slice().reverse();
}

const brief = (ds: any[]) => ds.map((d) => `${d.kind} ${d.scheduledFor} ${d.status}${d.reason ? ` ${d.reason}` : ''}`);

/** Steps the clock minute by minute over [from, to], ticking twice at every step. */
function sweep(from: string, to: string, stepMs = 60_000) {
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMs) {
    clock.at = new Date(t);
    tick();
    tick();
  }
}

describe('scheduler across DST (Europe/Berlin)', () => {
  useServer();

  it('spring forward: 02:30 does not exist on 2026-03-29; a fixed time fires once, right after the gap, at 03:30 CEST (01:30Z)', async () => {
    clock.set('2026-03-28T12:00:00Z');
    const key = await schedule({ cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'allow' });
    expect((await s.request('GET', `/api/triggers/${key}`)).body.nextRunAt).toBe('2026-03-29T01:30:00.000Z');
    sweep('2026-03-28T22:00:00Z', '2026-03-29T04:00:00Z');
    expect(brief(await deliveries(key))).toEqual(['schedule 2026-03-29T01:30:00.000Z started']);
    expect((await s.request('GET', `/api/triggers/${key}`)).body.nextRunAt).toBe('2026-03-30T00:30:00.000Z');
  });

  it('fall back: 02:30 happens twice on 2026-10-25; a fixed time fires on the first pass (00:30Z) only', async () => {
    clock.set('2026-10-24T12:00:00Z');
    const key = await schedule({ cron: '30 2 * * *', timezone: 'Europe/Berlin', overlap: 'allow' });
    sweep('2026-10-24T22:00:00Z', '2026-10-25T04:00:00Z');
    expect(brief(await deliveries(key))).toEqual(['schedule 2026-10-25T00:30:00.000Z started']);
    expect((await s.request('GET', `/api/triggers/${key}`)).body.nextRunAt).toBe('2026-10-26T01:30:00.000Z');
  });

  it('fall back, every 30 minutes: fires at every real instant of the repeated hour, as Vixie cron does', async () => {
    clock.set('2026-10-24T23:45:00Z');
    const key = await schedule({ cron: '*/30 * * * *', timezone: 'Europe/Berlin', overlap: 'allow' });
    sweep('2026-10-24T23:50:00Z', '2026-10-25T02:40:00Z');
    const ds = await deliveries(key);
    // 02:00 and 02:30 CEST (00:00Z, 00:30Z), the same wall times again in CET (01:00Z, 01:30Z),
    // then 03:00 and 03:30 CET (02:00Z, 02:30Z): every half hour of real time, none lost.
    expect(ds.map((d) => d.scheduledFor)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
    expect(new Set(ds.map((d) => d.executionId)).size).toBe(6);
    expect(ds.every((d) => d.kind === 'schedule' && d.status === 'started')).toBe(true);
  });

  it('spring forward, every 30 minutes: the skipped hour has no instants, so nothing fires for it and nothing twice', async () => {
    clock.set('2026-03-28T23:45:00Z');
    const key = await schedule({ cron: '*/30 * * * *', timezone: 'Europe/Berlin', overlap: 'allow' });
    sweep('2026-03-28T23:50:00Z', '2026-03-29T01:40:00Z');
    // 01:00 and 01:30 CET, then 03:00 and 03:30 CEST: half an hour apart in real time throughout.
    expect((await deliveries(key)).map((d) => d.scheduledFor)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
  });
});

describe('scheduler across DST (America/New_York, 01:00-02:00 repeats on 2026-11-01)', () => {
  useServer();

  it('fall back, fixed time 30 1 * * *: fires once, on the first pass (01:30 EDT = 05:30Z)', async () => {
    clock.set('2026-10-31T12:00:00Z');
    const key = await schedule({ cron: '30 1 * * *', timezone: 'America/New_York', overlap: 'allow' });
    sweep('2026-11-01T03:00:00Z', '2026-11-01T08:00:00Z');
    expect(brief(await deliveries(key))).toEqual(['schedule 2026-11-01T05:30:00.000Z started']);
    expect((await s.request('GET', `/api/triggers/${key}`)).body.nextRunAt).toBe('2026-11-02T06:30:00.000Z');
  });

  it('fall back, */30 * * * *: fires at 01:00 and 01:30 in EDT and again in EST', async () => {
    clock.set('2026-11-01T04:45:00Z');
    const key = await schedule({ cron: '*/30 * * * *', timezone: 'America/New_York', overlap: 'allow' });
    sweep('2026-11-01T04:50:00Z', '2026-11-01T07:10:00Z');
    expect((await deliveries(key)).map((d) => d.scheduledFor)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('spring forward, fixed time 30 2 * * * (02:30 does not exist on 2026-03-08): fires once, right after the gap (03:30 EDT)', async () => {
    clock.set('2026-03-07T12:00:00Z');
    const key = await schedule({ cron: '30 2 * * *', timezone: 'America/New_York', overlap: 'allow' });
    sweep('2026-03-08T05:00:00Z', '2026-03-08T09:00:00Z');
    expect(brief(await deliveries(key))).toEqual(['schedule 2026-03-08T07:30:00.000Z started']);
  });
});

describe('catch-up after downtime', () => {
  useServer();

  // Hourly; created at 00:00:30, the server is "down" until 05:00:20: 01-04 h missed, 05 h on time.
  async function downtime(policy: string, extra: Record<string, unknown> = {}) {
    clock.set('2026-02-01T00:00:30Z');
    const key = await schedule({ cron: '0 * * * *', catchUp: policy, overlap: 'allow', ...extra });
    clock.set('2026-02-01T05:00:20Z');
    tick();
    return deliveries(key);
  }

  it('skip: the missed ticks are recorded as skipped, then the regular tick runs', async () => {
    expect(brief(await downtime('skip'))).toEqual([
      'catch_up 2026-02-01T01:00:00.000Z skipped catch_up_skip',
      'catch_up 2026-02-01T02:00:00.000Z skipped catch_up_skip',
      'catch_up 2026-02-01T03:00:00.000Z skipped catch_up_skip',
      'catch_up 2026-02-01T04:00:00.000Z skipped catch_up_skip',
      'schedule 2026-02-01T05:00:00.000Z started',
    ]);
  });

  it('latest: only the most recent missed tick runs, marked as catch-up', async () => {
    const ds = await downtime('latest');
    expect(brief(ds)).toEqual([
      'catch_up 2026-02-01T01:00:00.000Z skipped catch_up_superseded',
      'catch_up 2026-02-01T02:00:00.000Z skipped catch_up_superseded',
      'catch_up 2026-02-01T03:00:00.000Z skipped catch_up_superseded',
      'catch_up 2026-02-01T04:00:00.000Z started',
      'schedule 2026-02-01T05:00:00.000Z started',
    ]);
    const ex = (await s.request('GET', `/api/executions/${ds[3].executionId}`)).body;
    expect(ex.trigger).toEqual({ type: 'schedule', key: ds[3].triggerKey, scheduledFor: '2026-02-01T04:00:00.000Z', catchUp: true });
    const regular = (await s.request('GET', `/api/executions/${ds[4].executionId}`)).body;
    expect(regular.trigger).toMatchObject({ scheduledFor: '2026-02-01T05:00:00.000Z', catchUp: false });
  });

  it('all: every missed tick runs in order, then the regular one', async () => {
    const ds = await downtime('all');
    expect(ds.map((d) => `${d.kind} ${d.status}`)).toEqual([
      'catch_up started',
      'catch_up started',
      'catch_up started',
      'catch_up started',
      'schedule started',
    ]);
    expect(new Set(ds.map((d) => d.executionId)).size).toBe(5);
  });

  it('the window: missed ticks older than catchUpWindowSeconds are recorded as outside_window', async () => {
    expect(brief(await downtime('all', { catchUpWindowSeconds: 7200 }))).toEqual([
      'catch_up 2026-02-01T01:00:00.000Z skipped outside_window',
      'catch_up 2026-02-01T02:00:00.000Z skipped outside_window',
      'catch_up 2026-02-01T03:00:00.000Z skipped outside_window',
      'catch_up 2026-02-01T04:00:00.000Z started',
      'schedule 2026-02-01T05:00:00.000Z started',
    ]);
  });

  it('all is capped at 1,000 missed ticks; the older ones are recorded, not silent', async () => {
    clock.set('2026-02-10T00:00:30Z');
    const key = await schedule({ cron: '* * * * *', catchUp: 'all', catchUpWindowSeconds: 3 * 86400, overlap: 'allow' });
    clock.set('2026-02-12T00:00:10Z'); // two days: 2,880 ticks missed
    const report = tick();
    expect(report.started).toBe(1001);
    const rows = s.app.db
      .prepare(
        'SELECT kind, status, reason, COUNT(*) AS n, MIN(scheduled_for) AS first, MAX(scheduled_for) AS last FROM trigger_deliveries WHERE trigger_key = ? GROUP BY kind, status, reason ORDER BY kind, status',
      )
      .all(key) as any[];
    expect(rows.map((r) => ({ kind: r.kind, status: r.status, reason: r.reason, n: r.n }))).toEqual([
      { kind: 'catch_up', status: 'skipped', reason: 'catch_up_cap', n: 1 },
      { kind: 'catch_up', status: 'started', reason: null, n: 1000 },
      { kind: 'schedule', status: 'started', reason: null, n: 1 },
    ]);
    // The 1,000 most recent missed ticks ran; the cap row stands for the tick before them and all older.
    expect(new Date(rows[1].first).toISOString()).toBe('2026-02-11T07:20:00.000Z');
    expect(new Date(rows[0].first).toISOString()).toBe('2026-02-11T07:19:00.000Z');
    // The trigger's key is read in JS: json_extract is SQLite's (this file runs on PostgreSQL too).
    const triggers = s.app.db.prepare('SELECT trigger FROM executions').pluck().all() as string[];
    expect(triggers.filter((t) => (JSON.parse(t) as { key?: string }).key === key)).toHaveLength(1001);
  });

  it('a disabled period is not caught up when the trigger is enabled again', async () => {
    clock.set('2026-03-01T00:00:30Z');
    const key = await schedule({ cron: '0 * * * *', catchUp: 'all', overlap: 'allow' });
    const body = { workflowId, type: 'schedule', schedule: { cron: '0 * * * *', timezone: 'UTC', catchUp: 'all', overlap: 'allow' } };
    await s.request('PUT', `/api/triggers/${key}`, { body: { ...body, enabled: false } });
    clock.set('2026-03-01T05:30:00Z');
    tick();
    expect((await s.request('GET', `/api/triggers/${key}`)).body.nextRunAt).toBeNull();
    await s.request('PUT', `/api/triggers/${key}`, { body: { ...body, enabled: true } });
    tick();
    expect(await deliveries(key)).toEqual([]);
    clock.set('2026-03-01T06:00:05Z');
    tick();
    expect(brief(await deliveries(key))).toEqual(['schedule 2026-03-01T06:00:00.000Z started']);
  });
});

describe('overlap', () => {
  useServer();

  async function everyMinute(overlap: string) {
    clock.set('2026-04-01T10:00:30Z');
    return schedule({ cron: '* * * * *', catchUp: 'skip', overlap });
  }
  const at = (iso: string) => {
    clock.set(iso);
    tick();
  };
  const status = async (id: string) => (await s.request('GET', `/api/executions/${id}`)).body.status;

  it('skip: a tick while the previous run is still going is recorded as skipped', async () => {
    const key = await everyMinute('skip');
    at('2026-04-01T10:01:01Z');
    at('2026-04-01T10:02:01Z');
    let ds = await deliveries(key);
    expect(brief(ds)).toEqual(['schedule 2026-04-01T10:01:00.000Z started', 'schedule 2026-04-01T10:02:00.000Z skipped overlap']);
    await s.request('POST', `/api/executions/${ds[0].executionId}/cancel`);
    at('2026-04-01T10:03:01Z');
    ds = await deliveries(key);
    expect(brief(ds).at(-1)).toBe('schedule 2026-04-01T10:03:00.000Z started');
  });

  it('allow: every tick starts, whatever is still running', async () => {
    const key = await everyMinute('allow');
    at('2026-04-01T10:01:01Z');
    at('2026-04-01T10:02:01Z');
    const ds = await deliveries(key);
    expect(ds.map((d) => d.status)).toEqual(['started', 'started']);
    expect(await status(ds[0].executionId)).toBe('queued');
    expect(await status(ds[1].executionId)).toBe('queued');
  });

  it('queue: one run waits behind the running one (not dispatched), a third is skipped, and it goes when the first ends', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 4 });
    try {
      const key = await everyMinute('queue');
      at('2026-04-01T10:01:01Z');
      const first = (await deliveries(key))[0].executionId;
      await waitUntil(() => runner.grants.some((g) => g.executionId === first));
      at('2026-04-01T10:02:01Z');
      at('2026-04-01T10:03:01Z');
      const ds = await deliveries(key);
      expect(brief(ds)).toEqual([
        'schedule 2026-04-01T10:01:00.000Z started',
        `schedule 2026-04-01T10:02:00.000Z started queued_behind:${first}`,
        'schedule 2026-04-01T10:03:00.000Z skipped queue_full',
      ]);
      const held = ds[1].executionId;
      expect(await status(held)).toBe('waiting');
      // Dispatcher passes, then a round trip on the runner's socket: a grant sent by those passes
      // would have arrived before the heartbeat's ack. The held run is not granted.
      for (let i = 0; i < 3; i++) s.app.engine.tick();
      runner.send({ type: 'heartbeat', id: 'after-dispatch', leases: [] });
      await runner.waitFor((f) => f.type === 'heartbeat_ack' && f.id === 'after-dispatch');
      expect(runner.grants.some((g) => g.executionId === held)).toBe(false);

      // The first run finishes: the held one is queued at once (journal event), then granted.
      const grant = runner.grants.find((g) => g.executionId === first)!;
      await runner.events(grant, [{ seq: 1, type: 'execution.finished', status: 'succeeded', output: 'one' }]);
      await waitUntil(() => runner.grants.some((g) => g.executionId === held), 5000, 'held run granted');
      expect(await status(held)).toBe('running');
      await s.request('POST', `/api/executions/${held}/cancel`);
    } finally {
      runner.close();
    }
  });

  it('queue: a held run canceled while it waits is dropped, and the next tick starts normally', async () => {
    const key = await everyMinute('queue');
    at('2026-04-01T10:01:01Z');
    at('2026-04-01T10:02:01Z');
    const [first, second] = await deliveries(key);
    await s.request('POST', `/api/executions/${second.executionId}/cancel`);
    await s.request('POST', `/api/executions/${first.executionId}/cancel`);
    at('2026-04-01T10:03:01Z');
    const ds = await deliveries(key);
    expect(brief(ds).at(-1)).toBe('schedule 2026-04-01T10:03:00.000Z started');
    expect(await status(ds.at(-1).executionId)).toBe('queued');
  });
});

describe('robustness', () => {
  useServer();

  it('a broken trigger does not stop the others in its chunk; it is retried, not skipped', async () => {
    clock.set('2026-05-01T10:00:30Z');
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push(await schedule({ cron: '* * * * *', overlap: 'allow' }));
    const broken = keys[2]!;
    // A row no code path can write: its schedule is not JSON.
    s.app.db.prepare('UPDATE triggers SET schedule = ? WHERE key = ?').run('{broken', broken);
    clock.set('2026-05-01T10:01:05Z');
    const report = tick();
    expect(report).toMatchObject({ triggers: 4, started: 4 });
    for (const key of keys.filter((_, i) => i !== 2)) expect(await deliveries(key)).toHaveLength(1);
    expect(await deliveries(broken)).toHaveLength(0);
    // Repaired, it catches up: its cursor never moved, so 10:01 is now a missed tick (catchUp "latest").
    s.app.db
      .prepare('UPDATE triggers SET schedule = ? WHERE key = ?')
      .run(JSON.stringify({ cron: '* * * * *', timezone: 'UTC', catchUp: 'latest', catchUpWindowSeconds: 86400, overlap: 'allow' }), broken);
    clock.set('2026-05-01T10:02:30Z');
    tick();
    expect(brief(await deliveries(broken))).toEqual(['catch_up 2026-05-01T10:01:00.000Z started', 'schedule 2026-05-01T10:02:00.000Z started']);
  });
});
