import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import type { ExecutionsService } from '../executions/executions-service';

/** Durable `wait` steps: the wake time is a column, so a timer due during downtime fires on start. */
export function createTimers({ journal, clock, executions }: { journal: Journal; clock: Clock; executions: ExecutionsService }) {
  const { repo, events } = executions;
  return {
    wakeDue(): number {
      const nowMs = clock.now().getTime();
      const due = repo.dueTimers(nowMs);
      for (const row of due) {
        journal.transaction(() => {
          const fresh = repo.get(row.id);
          if (fresh?.status !== 'waiting' || fresh.wake_at === null || fresh.wake_at > nowMs) return;
          const step = repo.waitingStep(row.id);
          const now = new Date(nowMs).toISOString();
          if (step) {
            const resumed = repo.upsertStep({
              executionId: row.id,
              stepId: step.step_id,
              iterationPath: step.iteration_path,
              attempt: step.attempt,
              status: 'succeeded',
              startedAt: step.started_at,
              finishedAt: now,
              output: { waitedUntil: new Date(fresh.wake_at).toISOString(), resumedAt: now },
              leaseAttempt: step.lease_attempt,
            });
            events.stepUpdated(row.id, resumed);
          }
          repo.release(row.id, { status: 'queued', wakeAt: null, now });
          events.executionUpdated(row.id);
        });
      }
      return due.length;
    },
  };
}

export type Timers = ReturnType<typeof createTimers>;
