import { isFinishedExecution, type OverlapPolicy, type StartedBy, type TriggerDelivery } from '@weft/shared';
import type { ExecutionsService, TriggerInfo } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { Clock } from '../clock';
import type { DeliveryStart, Deliveries } from './deliveries';
import type { TriggersRepository } from './triggers-repository';

export type FireResult =
  | { outcome: 'started'; executionId: string; delivery: TriggerDelivery }
  | { outcome: 'skipped'; delivery: TriggerDelivery }
  | { outcome: 'failed'; delivery: TriggerDelivery; error: AppError }
  /** The same delivery or replay key was started before: nothing new ran and nothing was written. */
  | { outcome: 'duplicate'; executionId: string | null }
  /** The tick already has a row (another scheduler, or a run before a restart): nothing to do. */
  | { outcome: 'already_recorded' };

/**
 * Starting a workflow from a trigger: the delivery row and the execution are written in the
 * caller's transaction, so a tick or a delivery id is either fully fired once or not at all.
 * With overlap "queue" (and for the later runs of a catch-up under `skip` or `queue`) the new
 * execution is created `waiting` (the dispatcher only grants `queued` ones) and `releaseHeld`
 * queues it when the run before it has finished.
 */
export function createFiring({
  repo,
  deliveries,
  executions,
  clock,
}: {
  repo: TriggersRepository;
  deliveries: Deliveries;
  executions: ExecutionsService;
  clock: Clock;
}) {
  const isActive = (executionId: string | null): executionId is string => {
    if (!executionId) return false;
    const status = repo.executionStatus(executionId);
    return status !== null && !isFinishedExecution(status);
  };

  /**
   * Must run inside journal.transaction. `follows`: the run started just before this one by the same
   * catch-up; with overlap `skip` or `queue` this run waits for it (`queued_behind:<follows>`) instead
   * of being judged against it, so a catch-up runs each of its ticks, one after another.
   */
  function fire(
    d: DeliveryStart & { payload: TriggerInfo; startedBy: StartedBy | null; overlap?: OverlapPolicy | undefined; follows?: string | undefined },
  ): FireResult {
    const id = deliveries.open(d);
    if (id === null) {
      if (d.deliveryKey === undefined && d.replayKey === undefined) return { outcome: 'already_recorded' };
      // Counted, not recorded, by the caller: a replay must not write a row per request.
      return { outcome: 'duplicate', executionId: repo.deliveryByKeys(d.trigger.id, d)?.execution_id ?? null };
    }

    // Who runs now, as this transaction sees it, for the overlap policy and its bookkeeping; a webhook
    // has neither, so the caller's row (read in this same tick) will do.
    const t = d.overlap === undefined && d.trigger.type === 'webhook' ? d.trigger : repo.byId(d.trigger.id)!;
    let hold = false;
    let reason: string | null = null;
    const held = isActive(t.held_execution_id) ? t.held_execution_id : null;
    if (d.overlap !== undefined && d.follows !== undefined && d.overlap !== 'allow') {
      hold = true;
      reason = `queued_behind:${d.follows}`;
    } else if (d.overlap !== undefined) {
      const running = isActive(t.running_execution_id) ? t.running_execution_id : null;
      if (running !== null || held !== null) {
        switch (d.overlap) {
          case 'skip':
            return { outcome: 'skipped', delivery: deliveries.settle(id, d, { status: 'skipped', reason: 'overlap' }) };
          case 'queue':
            if (held !== null) return { outcome: 'skipped', delivery: deliveries.settle(id, d, { status: 'skipped', reason: 'queue_full' }) };
            hold = true;
            reason = `queued_behind:${running}`;
            break;
          case 'allow':
            break;
          default: {
            const never: never = d.overlap;
            throw new Error(`unknown overlap policy ${String(never)}`);
          }
        }
      }
    }

    let executionId: string;
    try {
      const now = clock.now().toISOString();
      executionId = executions.start({
        workflowId: t.workflow_id,
        inputs: t.inputs === null ? undefined : (JSON.parse(t.inputs) as Record<string, unknown>),
        trigger: d.payload,
        startedBy: d.startedBy,
        ...(hold ? { inTransaction: (exId: string) => executions.repo.setStatus(exId, 'waiting', now) } : {}),
      }).executionId;
    } catch (err) {
      // start() checks the workflow and inputs before it writes anything, so nothing is half done.
      if (!(err instanceof AppError)) throw err;
      const delivery = deliveries.settle(id, d, { status: 'failed', reason: `${err.code}: ${err.message}` });
      return { outcome: 'failed', delivery, error: err };
    }
    // Only a schedule's overlap policy asks what runs: a webhook's runs are not tracked.
    // A chain keeps its first waiting run as the held one; the others are found by their reason.
    if (hold) repo.setRunning(t.id, t.running_execution_id, held ?? executionId);
    else if (t.type !== 'webhook') repo.setRunning(t.id, executionId, t.held_execution_id);
    const delivery = deliveries.settle(id, d, { status: 'started', executionId, reason, keepKey: true });
    return { outcome: 'started', executionId, delivery };
  }

  /**
   * Must run inside journal.transaction. Queues the held execution once the one before it finished;
   * the run waiting behind it (a catch-up chain) becomes the held one. Held runs canceled while they
   * waited are passed over.
   */
  function releaseHeld(triggerId: string): string | null {
    const t = repo.byId(triggerId);
    if (!t?.held_execution_id) return null;
    let running = t.running_execution_id;
    let held: string | null = t.held_execution_id;
    let status = repo.executionStatus(held);
    while (held !== null && status !== 'waiting') {
      // Canceled while it waited, or already moving: either way it is held no longer.
      if (status !== null && !isFinishedExecution(status)) running = held;
      held = repo.waitingBehind(t.id, held);
      status = held === null ? null : repo.executionStatus(held);
    }
    if (held === null || (running !== held && isActive(running))) {
      repo.setRunning(t.id, running, held);
      return null;
    }
    executions.repo.setStatus(held, 'queued', clock.now().toISOString());
    executions.events.executionUpdated(held);
    repo.setRunning(t.id, held, repo.waitingBehind(t.id, held));
    return held;
  }

  /** Must run inside journal.transaction. Lets every held run go at once (the trigger is being deleted). */
  function releaseAll(triggerId: string): void {
    for (let t = repo.byId(triggerId); t?.held_execution_id; t = repo.byId(triggerId)) {
      repo.setRunning(t.id, null, t.held_execution_id);
      releaseHeld(t.id);
    }
  }

  return { fire, releaseHeld, releaseAll, isActive };
}

export type Firing = ReturnType<typeof createFiring>;
