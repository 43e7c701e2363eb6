import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { makeDataDir, minimalDefinition, startServer, type TestServer } from './helpers/server';

/**
 * Catch-up runs what it promises: `all` runs every missed tick in the window and then the regular
 * tick, `latest` the last missed one and then the regular tick, whatever `overlap` says; `overlap`
 * judges them only against runs that are not part of the same catch-up. Under `skip` and `queue`
 * the runs of one catch-up go one after another (each `queued_behind:` the one before); under
 * `allow` they all start at once, in tick order.
 */

/** The scheduler and the leases read this clock; moving it never fires anything until a tick. */
const clock = {
  at: new Date('2026-02-01T00:00:00Z'),
  now() {
    return this.at;
  },
  set(iso: string) {
    this.at = new Date(iso);
  },
};
const boot = (dataDir?: string) => startServer({ ...(dataDir ? { dataDir } : {}), clock, config: { leaseMs: 600_000, engineTickMs: 50 } });

async function putSchedule(s: TestServer, key: string, schedule: Record<string, unknown>) {
  const workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition(`Hourly ${key}`) } })).body.id;
  const res = await s.request('PUT', `/api/triggers/${key}`, {
    body: { workflowId, type: 'schedule', schedule: { cron: '0 * * * *', timezone: 'UTC', ...schedule } },
  });
  expect(res.status).toBe(200);
}

/** Oldest first. */
async function deliveries(s: TestServer, key: string): Promise<any[]> {
  const res = await s.request('GET', `/api/triggers/${key}/deliveries?limit=200`);
  expect(res.status).toBe(200);
  return (res.body.deliveries as any[]).slice().reverse();
}

const brief = (ds: any[]) => ds.map((d) => `${d.kind} ${d.scheduledFor.slice(11, 16)} ${d.status}${d.reason ? ` ${d.reason}` : ''}`);
/** The same, with each `queued_behind:<id>` named by the tick of the run it waits for. */
function briefChain(ds: any[]) {
  const tickOf = new Map(ds.filter((d) => d.executionId).map((d) => [d.executionId, d.scheduledFor.slice(11, 16)]));
  return brief(ds).map((line) => line.replace(/queued_behind:(\S+)/, (_, id: string) => `queued_behind:${tickOf.get(id) ?? id}`));
}

const statusOf = async (s: TestServer, id: string) => (await s.request('GET', `/api/executions/${id}`)).body.status as string;
const statuses = (s: TestServer, ids: string[]) => Promise.all(ids.map((id) => statusOf(s, id)));

/** Grants each run in turn and finishes it, recording which runs were granted together. */
async function runAll(s: TestServer, runner: FakeRunner, ids: string[]): Promise<string[][]> {
  const waves: string[][] = [];
  let done = 0;
  while (done < ids.length) {
    // One dispatcher pass grants whatever may run now; its frames may arrive in several reads.
    await waitUntil(
      async () => {
        const running = (await statuses(s, ids)).filter((st) => st === 'running').length;
        return running > 0 && runner.grants.length - done === running;
      },
      10_000,
      `the grants after ${done}`,
    );
    const wave = runner.grants.slice(done);
    waves.push(wave.map((g) => g.executionId));
    for (const g of wave) await runner.events(g, [{ seq: 1, type: 'execution.finished', status: 'succeeded', output: null }]);
    done += wave.length;
  }
  return waves;
}

describe('catch-up after a real restart over the same data dir', () => {
  const expected = {
    all: {
      chained: [
        'catch_up 01:00 started',
        'catch_up 02:00 started queued_behind:01:00',
        'catch_up 03:00 started queued_behind:02:00',
        'schedule 04:00 started queued_behind:03:00',
      ],
      allow: ['catch_up 01:00 started', 'catch_up 02:00 started', 'catch_up 03:00 started', 'schedule 04:00 started'],
    },
    latest: {
      chained: [
        'catch_up 01:00 skipped catch_up_superseded',
        'catch_up 02:00 skipped catch_up_superseded',
        'catch_up 03:00 started',
        'schedule 04:00 started queued_behind:03:00',
      ],
      allow: ['catch_up 01:00 skipped catch_up_superseded', 'catch_up 02:00 skipped catch_up_superseded', 'catch_up 03:00 started', 'schedule 04:00 started'],
    },
  } as const;

  for (const overlap of ['skip', 'queue', 'allow'] as const) {
    for (const catchUp of ['all', 'latest'] as const) {
      it(`catchUp ${catchUp}, overlap ${overlap}: one started delivery per tick, run in tick order`, async () => {
        const dataDir = makeDataDir();
        clock.set('2026-02-01T00:00:30Z');
        const first = await boot(dataDir);
        await putSchedule(first, 'hourly', { catchUp, overlap });
        await first.close();

        // Down over 01:00, 02:00 and 03:00; back 20 s after 04:00, the regular tick.
        clock.set('2026-02-01T04:00:20Z');
        const s = await boot(dataDir);
        let runner: FakeRunner | undefined;
        try {
          // The restarted scheduler ticks on its own.
          await waitUntil(async () => (await deliveries(s, 'hourly')).length === 4, 10_000, 'the catch-up deliveries');
          const ds = await deliveries(s, 'hourly');
          expect(briefChain(ds)).toEqual([...expected[catchUp][overlap === 'allow' ? 'allow' : 'chained']]);
          const started = ds.filter((d) => d.status === 'started');
          const ids = started.map((d) => d.executionId as string);

          // The executions exist, in tick order, each naming its tick.
          expect(ids.slice().sort()).toEqual(ids);
          for (const d of started) {
            const ex = (await s.request('GET', `/api/executions/${d.executionId}`)).body;
            expect(ex.trigger).toEqual({ type: 'schedule', key: 'hourly', scheduledFor: d.scheduledFor, catchUp: d.kind === 'catch_up' });
          }
          const listed = (await s.request('GET', '/api/executions?limit=50')).body.executions.map((e: any) => e.id).reverse();
          expect(listed).toEqual(ids);

          // skip and queue: one after another; allow: all at once, granted in tick order.
          expect(await statuses(s, ids)).toEqual(overlap === 'allow' ? ids.map(() => 'queued') : ['queued', ...ids.slice(1).map(() => 'waiting')]);
          runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 8 });
          const waves = await runAll(s, runner, ids);
          expect(waves).toEqual(overlap === 'allow' ? [ids] : ids.map((id) => [id]));
          expect(await statuses(s, ids)).toEqual(ids.map(() => 'succeeded'));
        } finally {
          runner?.close();
          await s.close();
        }
      });
    }
  }
});

describe('catch-up against runs outside it (injected clock)', () => {
  let s: TestServer;
  let n = 0;
  beforeAll(async () => {
    s = await boot();
  });
  afterAll(() => s.close());
  afterEach(async () => {
    for (const t of (await s.request('GET', '/api/triggers')).body.triggers) await s.request('DELETE', `/api/triggers/${t.key}`);
  });
  const tick = () => s.app.triggers.scheduler.tick();
  const cancel = (id: string) => s.request('POST', `/api/executions/${id}/cancel`);

  /** Created at 00:00:30; `before` runs then; ticked at 03:00:20 (01:00 and 02:00 missed, 03:00 on time). */
  async function downtime(schedule: Record<string, unknown>, before: (key: string) => Promise<void> = async () => {}) {
    const key = `outside-${++n}`;
    clock.set('2026-02-01T00:00:30Z');
    await putSchedule(s, key, { catchUp: 'all', ...schedule });
    await before(key);
    clock.set('2026-02-01T03:00:20Z');
    tick();
    return key;
  }
  const manualRun = async (key: string) => {
    const res = await s.request('POST', `/api/triggers/${key}/run`);
    expect(res.status).toBe(202);
  };

  it('a run from before the downtime still going: skip skips every tick of the catch-up as overlap', async () => {
    const key = await downtime({ overlap: 'skip' }, manualRun);
    expect(briefChain((await deliveries(s, key)).slice(1))).toEqual([
      'catch_up 01:00 skipped overlap',
      'catch_up 02:00 skipped overlap',
      'schedule 03:00 skipped overlap',
    ]);
  });

  it('... queue puts the whole catch-up behind it, in order', async () => {
    const key = await downtime({ overlap: 'queue' }, manualRun);
    const ds = await deliveries(s, key);
    const manual = ds[0].executionId;
    expect(briefChain(ds.slice(1))).toEqual([
      `catch_up 01:00 started queued_behind:${manual}`,
      'catch_up 02:00 started queued_behind:01:00',
      'schedule 03:00 started queued_behind:02:00',
    ]);
    const chain = ds.slice(1).map((d) => d.executionId);
    expect(await statuses(s, chain)).toEqual(['waiting', 'waiting', 'waiting']);
    await cancel(manual);
    await waitUntil(async () => (await statusOf(s, chain[0])) === 'queued');
    expect(await statuses(s, chain.slice(1))).toEqual(['waiting', 'waiting']);
  });

  it('... allow starts every tick of the catch-up', async () => {
    const key = await downtime({ overlap: 'allow' }, manualRun);
    expect(briefChain((await deliveries(s, key)).slice(1))).toEqual(['catch_up 01:00 started', 'catch_up 02:00 started', 'schedule 03:00 started']);
  });

  it('a tick after the catch-up, while its runs still wait, is judged by overlap: skip → overlap, queue → queue_full', async () => {
    for (const [overlap, reason] of [
      ['skip', 'skipped overlap'],
      ['queue', 'skipped queue_full'],
    ] as const) {
      const key = await downtime({ overlap });
      clock.set('2026-02-01T04:00:05Z');
      tick();
      expect(briefChain(await deliveries(s, key)).at(-1)).toBe(`schedule 04:00 ${reason}`);
    }
  });

  it('a run of the chain canceled while it waits is passed over: the next one follows the one before', async () => {
    const key = await downtime({ overlap: 'skip' });
    const chain = (await deliveries(s, key)).map((d) => d.executionId);
    expect(await statuses(s, chain)).toEqual(['queued', 'waiting', 'waiting']);
    await cancel(chain[1]); // the chain's first waiting run
    expect(await statuses(s, chain)).toEqual(['queued', 'canceled', 'waiting']);
    await cancel(chain[0]);
    await waitUntil(async () => (await statusOf(s, chain[2])) === 'queued', 5000, 'the last run to be queued');
    await cancel(chain[2]);
    // Nothing holds the trigger any more: the next tick starts normally.
    clock.set('2026-02-01T04:00:05Z');
    tick();
    expect(briefChain(await deliveries(s, key)).at(-1)).toBe('schedule 04:00 started');
  });

  it('deleting the trigger lets every waiting run of its chain go', async () => {
    const key = await downtime({ overlap: 'queue' });
    const chain = (await deliveries(s, key)).map((d) => d.executionId);
    expect(await statuses(s, chain)).toEqual(['queued', 'waiting', 'waiting']);
    expect((await s.request('DELETE', `/api/triggers/${key}`)).status).toBe(204);
    expect(await statuses(s, chain)).toEqual(['queued', 'queued', 'queued']);
    for (const id of chain) await cancel(id);
  });
});
