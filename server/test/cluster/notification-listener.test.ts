import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotificationListener, startNotificationListener } from '../../src/cluster/notification-listener';
import { NOTIFICATION_WORKER_SOURCE } from '../../src/cluster/notification-worker';
import { PgDatabase } from '../../src/db/postgres/pg-database';
import { waitUntil } from '../helpers/live-client';
import { usePostgres } from '../support/use-postgres';

/**
 * The LISTEN connection lives in a worker thread: it hears a NOTIFY while the main thread is
 * blocked in synchronous statements, and the main thread takes it after its next statement instead
 * of after every other callback its event loop has queued.
 */

const postgres = usePostgres();
let db: PgDatabase;
let listener: NotificationListener;
const heard: string[] = [];
const warnings: string[] = [];
const log = { warn: (_: object, msg: string) => warnings.push(msg), error: (_: object, msg: string) => warnings.push(msg) };

beforeAll(async () => {
  const url = await postgres.server().createDatabase();
  db = new PgDatabase(url);
  listener = await startNotificationListener({
    url,
    applicationName: 'weft-listen test',
    channels: ['weft_test'],
    onNotification: (channel, payload) => heard.push(`${channel}:${payload}`),
    onConnected: () => heard.push('connected'),
    log,
  });
  db.afterEachStatement(() => listener.drain());
  await waitUntil(() => listener.listening, 10_000, 'LISTEN');
}, 60_000);

afterAll(async () => {
  await listener?.stop();
  db?.close();
});

describe('the notification listener', () => {
  it('hands a notification over at the next statement, ahead of callbacks already queued', async () => {
    heard.length = 0;
    /** How many notifications had been handed over when each queued callback ended. */
    const seen: number[] = [];
    // Ten callbacks queued at once, each blocking this thread in a statement, as a busy server's
    // sockets do in one turn; the first also notifies. Read from the port by the event loop, the
    // notification would come after all ten; drained after each statement, it comes right after
    // the one it arrived in.
    for (let i = 0; i < 10; i++) {
      setImmediate(() => {
        if (i === 0) db.prepare("SELECT pg_notify('weft_test', 'queued')").get();
        db.prepare('SELECT pg_sleep(0.05)').get();
        seen.push(heard.length);
      });
    }
    await waitUntil(() => seen.length === 10 && heard.length === 1, 10_000, 'ten statements and the notification');
    expect(heard).toEqual(['weft_test:queued']);
    expect(seen.at(-1)).toBe(1);
  });

  it('hands over at settle() what the statements before it drained, without waiting for the tick to end', () => {
    heard.length = 0;
    db.prepare("SELECT pg_notify('weft_test', 'settled')").get();
    // All in one synchronous run: the tick cannot end, so only settle() can hand the notification over.
    const until = Date.now() + 5_000;
    while (heard.length === 0 && Date.now() < until) {
      db.prepare('SELECT pg_sleep(0.01)').get();
      expect(heard).toEqual([]);
      listener.settle();
    }
    expect(heard).toEqual(['weft_test:settled']);
  });

  it('keeps the worker order whichever way a message leaves the port, and hands nothing over twice', async () => {
    heard.length = 0;
    for (let i = 0; i < 50; i++) db.prepare('SELECT pg_notify(?, ?)').get('weft_test', String(i));
    await waitUntil(() => heard.length === 50, 10_000, 'fifty notifications');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual(Array.from({ length: 50 }, (_, i) => `weft_test:${i}`));
  });

  it('reconnects after its backend is terminated, and says so through onConnected', async () => {
    heard.length = 0;
    const before = listener.connections;
    const killed = db.prepare("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'weft-listen test'").all();
    expect(killed).toHaveLength(1);
    await waitUntil(() => listener.connections > before && listener.listening, 10_000, 'LISTEN again');
    expect(heard).toContain('connected');
    expect(warnings).toContain('journal LISTEN connection lost; reconnecting');
    db.prepare("SELECT pg_notify('weft_test', 'after')").get();
    await waitUntil(() => heard.includes('weft_test:after'), 10_000, 'a notification after the reconnect');
  });

  it('starts its worker again when the worker dies, and catches up through onConnected', async () => {
    const url = await postgres.server().createDatabase();
    const got: string[] = [];
    const said: string[] = [];
    // The real worker, made to throw out of its event loop (as a bug in it would) when it hears "die".
    const dying = `{
      const { port } = require('node:worker_threads').workerData;
      const post = port.postMessage.bind(port);
      port.postMessage = (message) => {
        if (message.payload === 'die') setImmediate(() => { throw new Error('a bug in the worker'); });
        else post(message);
      };
    }
    ${NOTIFICATION_WORKER_SOURCE}`;
    const other = await startNotificationListener({
      url,
      applicationName: 'weft-listen dying',
      channels: ['weft_test'],
      onNotification: (channel, payload) => got.push(`${channel}:${payload}`),
      onConnected: () => got.push('connected'),
      log: { warn: (_: object, msg: string) => said.push(msg), error: (_: object, msg: string) => said.push(msg) },
      workerSource: dying,
    });
    const otherDb = new PgDatabase(url);
    try {
      otherDb.afterEachStatement(() => other.drain());
      await waitUntil(() => other.listening, 10_000, 'LISTEN');
      otherDb.prepare("SELECT pg_notify('weft_test', 'die')").get();
      await waitUntil(() => said.includes('the LISTEN worker stopped; starting it again'), 10_000, 'the worker gone');
      expect(said).toContain('the LISTEN worker failed');
      await waitUntil(() => other.connections === 2 && other.listening, 10_000, 'LISTEN from a new worker');
      expect(got).toEqual(['connected', 'connected']);
      // One connection listens: the dead worker's ended with it.
      const listening = otherDb.prepare("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'weft-listen dying'");
      await waitUntil(() => Number((listening.get() as { n: number | string }).n) === 1, 10_000, 'one LISTEN backend');
      otherDb.prepare("SELECT pg_notify('weft_test', 'after')").get();
      await waitUntil(() => got.includes('weft_test:after'), 10_000, 'a notification to the new worker');
    } finally {
      await other.stop();
      otherDb.close();
    }
  });

  it('stops: the worker ends its connection and nothing reconnects', async () => {
    await listener.stop();
    expect(listener.listening).toBe(false);
    const left = db.prepare("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'weft-listen test'");
    await waitUntil(() => (left.get() as { n: number }).n === 0, 5_000, 'the LISTEN backend gone');
    heard.length = 0;
    db.prepare("SELECT pg_notify('weft_test', 'late')").get();
    await new Promise((resolve) => setTimeout(resolve, 200));
    db.prepare('SELECT 1').get();
    expect(heard).toEqual([]);
  });
});
