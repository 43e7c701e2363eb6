import { EXECUTIONS_TOPIC } from '@weft/shared';
import type { ToolApprovals } from '../approvals/tool-approvals';
import type { ServerLiveness } from '../cluster/server-liveness';
import type { Journal } from '../journal/journal';
import type { Dispatcher } from './dispatcher';

/** Held calls of gone servers are looked for at most this often (one query). */
const ORPHAN_CHECK_MS = 2_000;

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
 * What the engine tick does for liveness with several servers: this server's `servers` row is
 * refreshed, and held tool calls of servers that are gone are expired (they would never settle).
 */
export function createLivenessTicks({ liveness, toolApprovals }: { liveness: ServerLiveness; toolApprovals: ToolApprovals }): () => void {
  let lastCheck = 0;
  return () => {
    liveness.beat();
    const now = Date.now();
    if (now - lastCheck < ORPHAN_CHECK_MS) return;
    lastCheck = now;
    toolApprovals.expireOrphaned();
  };
}
