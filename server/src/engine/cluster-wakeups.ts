import { EXECUTIONS_TOPIC } from '@weft/shared';
import type { ServerLiveness } from '../cluster/server-liveness';
import type { Journal } from '../journal/journal';
import type { Dispatcher } from './dispatcher';

/** Held calls and streaming replies of gone servers are looked for at most this often (a query each). */
const ORPHAN_CHECK_MS = 2_000;
/** This server's row is refreshed this often (SERVER_GONE_AFTER_MS is ten times as long). */
const BEAT_EVERY_MS = 1_000;

/**
 * Several servers: an execution another server queued (a webhook, an approval decision, a timer)
 * or gave its lease back reaches this server's runners at once, not on its next tick. This
 * server's own writes kick dispatch as they are written (engine-ticker.ts); other servers' arrive
 * here through the followed journal.
 */
export function kickOnOtherServersWrites({ journal, dispatcher }: { journal: Journal; dispatcher: Dispatcher }): () => void {
  return journal.subscribe(EXECUTIONS_TOPIC, (event, origin) => {
    if (origin !== 'remote' || event.type !== 'execution.updated') return;
    const { status } = event.data;
    if (status !== 'running') dispatcher.kick({ queued: status === 'queued' });
  });
}

/**
 * Liveness with several servers, on its own timer (a slow engine tick, `engineTickMs`, must not
 * make this server look gone): this server's `servers` row is refreshed every second, and every
 * ORPHAN_CHECK_MS the checks registered with the cluster look for what servers that are gone held
 * (held tool calls, which would never settle; the assistant's replies they were writing).
 */
export function createLivenessTicks({
  liveness,
  runners,
  checkGoneServers,
  log,
}: {
  liveness: ServerLiveness;
  /** Runners connected here that the dispatcher gives work to (the other servers' /api/ready counts them). */
  runners: () => number;
  /** The cluster's checks for what gone servers held (`cluster.onGoneServersCheck`). */
  checkGoneServers: () => void;
  log: { error(obj: object, msg: string): void };
}) {
  let timer: NodeJS.Timeout | null = null;
  let lastCheck = 0;
  const tick = () => {
    try {
      liveness.beat(runners());
      const now = Date.now();
      if (now - lastCheck < ORPHAN_CHECK_MS) return;
      lastCheck = now;
      checkGoneServers();
    } catch (err) {
      log.error({ err }, 'server liveness tick failed');
    }
  };
  return {
    start(): void {
      if (timer) return;
      timer = setInterval(tick, BEAT_EVERY_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
