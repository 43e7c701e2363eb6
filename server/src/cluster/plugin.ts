import fp from 'fastify-plugin';
import type { PgDatabase } from '../db/postgres/pg-database';
import { storeKind } from '../db/store';
import { type ChatStop, chatStops as chatStopNotice } from './chat-stops';
import { createJournalFollower, JOURNAL_CHANNEL } from './journal-follower';
import { startNotificationListener, type NotificationListener } from './notification-listener';
import { type RunnerCancel, runnerWakeups } from './runner-wakeups';
import { createServerLiveness, type ServerLiveness } from './server-liveness';

export type Cluster = {
  /** This server process's row in `servers`, and whether another server is gone. */
  liveness: ServerLiveness;
  /** Several servers may share the database (PostgreSQL): the journal is followed, wake-ups cross servers. */
  shared: boolean;
  /** The LISTEN connection (null on SQLite). */
  listener: NotificationListener | null;
  /** Tells the server holding `runnerId`'s socket (any server, this one included) to cancel. */
  cancelOnOtherServer(message: RunnerCancel): void;
  /**
   * Other servers' events heard during the caller's statements reach this server's listeners now,
   * not at the end of the tick: for a caller at a point as good as a tick's end (engine/runner-gateway.ts).
   */
  settle(): void;
  /** Called for each cancel another server sends for a runner. */
  onRunnerCancel(fn: (message: RunnerCancel) => void): void;
  /** Tells every server (this one included) to stop the assistant's replies in a chat. */
  stopChatOnOtherServers(message: ChatStop): void;
  /** Called for each chat stop a server sends. */
  onChatStop(fn: (message: ChatStop) => void): void;
  /** Called each time LISTEN is up again, after the journal's topics caught up. */
  onReconnected(fn: () => void): void;
  /** Called every few seconds with several servers (engine/cluster-wakeups.ts): let go of what servers that are gone held. */
  onGoneServersCheck(fn: () => void): void;
  /** Runs the checks registered with `onGoneServersCheck`. */
  checkGoneServers(): void;
};

declare module 'fastify' {
  interface FastifyInstance {
    /** Several servers on one database: liveness, the journal follower, cross-server wake-ups. */
    cluster: Cluster;
  }
}

/**
 * On PostgreSQL, several servers share the database: this server follows the journal (other
 * servers' events reach its topic listeners, read by seq after each `weft_journal` notification
 * and after every LISTEN reconnect), hears `weft_runner` wake-ups for its runners and `weft_chat`
 * stops for the assistant's replies it writes. On SQLite nothing is followed: one server per
 * database file, and the bus stays as it was.
 */
export default fp(
  async (app) => {
    const { db, journal, log } = app;
    /** A notice's payload, checked, to each of `handlers`; one that does not parse is logged and dropped. */
    const relay =
      <T>(parse: (payload: string) => T | null, handlers: Set<(message: T) => void>, what: string) =>
      (payload: string) => {
        const message = parse(payload);
        if (message === null) return log.warn({ payload: payload.slice(0, 200) }, `unreadable ${what} ignored`);
        for (const fn of handlers) fn(message);
      };
    const liveness = createServerLiveness({ db });
    const cancels = new Set<(m: RunnerCancel) => void>();
    const chatStops = new Set<(m: ChatStop) => void>();
    const reconnected = new Set<() => void>();
    const goneServersChecks = new Set<() => void>();
    const url = app.config.databaseUrl;
    let listener: NotificationListener | null = null;
    let cancelOnOtherServer: (m: RunnerCancel) => void = () => {};
    let stopChatOnOtherServers: (m: ChatStop) => void = () => {};

    if (url && storeKind(db) === 'postgres') {
      const events = db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE topic = ?');
      // The committed head: inside an open batch this process's own events are not in the table yet.
      journal.bus.follow({ lastSeq: (topic) => events.get(topic)?.seq ?? 0, read: journal.read });
      const follower = createJournalFollower({ bus: journal.bus, log });
      cancelOnOtherServer = runnerWakeups.sender(db);
      stopChatOnOtherServers = chatStopNotice.sender(db);
      const relays = new Map<string, (payload: string) => void>([
        [JOURNAL_CHANNEL, (payload) => follower.notified(payload)],
        [runnerWakeups.channel, relay(runnerWakeups.parse, cancels, 'runner wake-up')],
        [chatStopNotice.channel, relay(chatStopNotice.parse, chatStops, 'chat stop')],
      ]);
      listener = await startNotificationListener({
        url,
        applicationName: `weft-listen ${liveness.id}`,
        channels: [...relays.keys()],
        onNotification(channel, payload) {
          relays.get(channel)?.(payload);
        },
        onConnected() {
          follower.catchUpAll();
          for (const fn of reconnected) fn();
        },
        log,
      });
      const started = listener;
      const statements = db as PgDatabase; // storeKind said so above
      statements.afterEachStatement(() => started.drain());
      app.addHook('onClose', async () => {
        statements.afterEachStatement(null);
        follower.stop();
        await started.stop();
      });
    }
    app.addHook('onClose', async () => liveness.close());

    app.decorate<Cluster>('cluster', {
      liveness,
      shared: listener !== null,
      listener,
      settle: () => listener?.settle(),
      cancelOnOtherServer: (m) => cancelOnOtherServer(m),
      onRunnerCancel: (fn) => cancels.add(fn),
      stopChatOnOtherServers: (m) => stopChatOnOtherServers(m),
      onChatStop: (fn) => chatStops.add(fn),
      onReconnected: (fn) => reconnected.add(fn),
      onGoneServersCheck: (fn) => goneServersChecks.add(fn),
      checkGoneServers: () => {
        // Each on its own: one that fails (the database busy) does not keep the others from looking.
        for (const fn of goneServersChecks) {
          try {
            fn();
          } catch (err) {
            log.error({ err }, 'a check for what gone servers held failed');
          }
        }
      },
    });
  },
  { name: 'weft-cluster', dependencies: ['weft-config', 'weft-db', 'weft-journal'] },
);
