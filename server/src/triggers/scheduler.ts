import {
  CATCH_UP_MAX_TICKS,
  EXECUTIONS_TOPIC,
  isFinishedExecution,
  type CatchUpPolicy,
  type DeliveryKind,
  type JournalEvent,
  type ScheduleConfig,
} from '@weft/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Journal } from '../journal/journal';
import type { EventOrigin } from '../journal/event-bus';
import type { Clock } from '../clock';
import { compileCron, ticksBetween } from './cron';
import type { Deliveries } from './deliveries';
import type { Firing } from './fire';
import { parseSchedule, type TriggerRow, type TriggersRepository } from './triggers-repository';

/** A tick this late is still "the regular due tick"; older ones are catch-up. */
export const ON_TIME_MS = 60_000;
/** Due triggers handled per transaction: a crash mid-tick loses (and redoes) at most one chunk, never half of one. */
export const TICK_CHUNK = 100;
/** The scheduler never re-arms sooner than this, whatever the clock says. */
const MIN_DELAY_MS = 5;

export type TickReport = { triggers: number; started: number; skipped: number; failed: number; released: number };

type Planned = { at: number; kind: DeliveryKind; skip?: string };

/**
 * Which ticks in (cursor, now] to fire and which to record as skipped. Only the most recent tick,
 * if less than ON_TIME_MS late, is the regular one; the rest are missed and follow `catchUp`.
 */
export function planTicks({ ticks, nowMs, schedule, capped }: { ticks: number[]; nowMs: number; schedule: ScheduleConfig; capped: number | null }): Planned[] {
  const last = ticks.at(-1);
  const regular = last !== undefined && nowMs - last <= ON_TIME_MS ? last : undefined;
  const allMissed = regular === undefined ? ticks : ticks.slice(0, -1);
  const plan: Planned[] = [];
  // Past the cap: the tick before the considered range stands for every older one, then the excess.
  if (capped !== null) plan.push({ at: capped, kind: 'catch_up', skip: 'catch_up_cap' });
  const excess = Math.max(0, allMissed.length - CATCH_UP_MAX_TICKS);
  for (const t of allMissed.slice(0, excess)) plan.push({ at: t, kind: 'catch_up', skip: 'catch_up_cap' });
  const missed = allMissed.slice(excess);
  const windowStart = nowMs - schedule.catchUpWindowSeconds * 1000;
  const inWindow = missed.filter((t) => t >= windowStart);
  for (const t of missed) if (t < windowStart) plan.push({ at: t, kind: 'catch_up', skip: 'outside_window' });
  const policy: CatchUpPolicy = schedule.catchUp;
  switch (policy) {
    case 'skip':
      for (const t of inWindow) plan.push({ at: t, kind: 'catch_up', skip: 'catch_up_skip' });
      break;
    case 'latest':
      inWindow.forEach((t, i) => {
        plan.push(i === inWindow.length - 1 ? { at: t, kind: 'catch_up' } : { at: t, kind: 'catch_up', skip: 'catch_up_superseded' });
      });
      break;
    case 'all':
      for (const t of inWindow) plan.push({ at: t, kind: 'catch_up' });
      break;
    default: {
      const never: never = policy;
      throw new Error(`unknown catch-up policy ${String(never)}`);
    }
  }
  if (regular !== undefined) plan.push({ at: regular, kind: 'schedule' });
  return plan;
}

/**
 * Fires due schedule ticks. Due triggers are handled in IMMEDIATE transactions (TICK_CHUNK at a
 * time) that re-read each cursor, record every tick in (cursor, now] (unique on trigger + instant)
 * and start the executions: two processes on one database, or a restart mid-tick, fire each tick once.
 */
export function createScheduler({
  repo,
  journal,
  clock,
  firing,
  deliveries,
  log,
  intervalMs = 1000,
}: {
  repo: TriggersRepository;
  journal: Journal;
  clock: Clock;
  firing: Firing;
  deliveries: Deliveries;
  log?: FastifyBaseLogger;
  intervalMs?: number;
}) {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let unsubscribe: (() => void) | null = null;
  let failedLastTick = false;

  /** Inside a transaction: re-reads the trigger (another process may have ticked it) and fires what is due. */
  function tickTrigger(id: string, nowMs: number, report: TickReport) {
    const t = repo.byId(id);
    const schedule = t ? parseSchedule(t) : null;
    if (!t || !schedule || t.enabled !== 1 || t.type !== 'schedule' || t.cursor_at === null || t.next_run_at === null || t.next_run_at > nowMs) return;
    report.triggers++;
    if (t.held_execution_id && firing.releaseHeld(t.id)) report.released++;
    const cron = compileCron(schedule.cron, schedule.timezone);
    const range = ticksBetween(cron, t.cursor_at, nowMs, CATCH_UP_MAX_TICKS + 1);
    if (range.truncated)
      log?.warn({ trigger: t.key }, `more than ${CATCH_UP_MAX_TICKS} ticks were missed; older ones are recorded as one catch_up_cap delivery`);
    // The runs of one pass are one catch-up: each later one follows the one started before it.
    let follows: string | undefined;
    for (const p of planTicks({ ticks: range.ticks, nowMs, schedule, capped: range.beforeOldest })) {
      follows = fireTick({ t, schedule, p, nowMs, report, follows }) ?? follows;
    }
    repo.setCursor(t.id, Math.max(t.cursor_at, nowMs), range.following);
  }

  const emptyReport = (): TickReport => ({ triggers: 0, started: 0, skipped: 0, failed: 0, released: 0 });
  const merge = (into: TickReport, from: TickReport) => {
    for (const k of Object.keys(into) as (keyof TickReport)[]) into[k] += from[k];
  };

  /** One transaction per chunk (one fsync, not one per trigger); a chunk that throws is redone trigger by trigger. */
  function tickChunk(ids: string[], nowMs: number, report: TickReport) {
    try {
      // A fresh report on each run: the journal reruns a transaction a deadlock aborted.
      const part = journal.transaction(() => {
        const counted = emptyReport();
        for (const id of ids) tickTrigger(id, nowMs, counted);
        return counted;
      });
      merge(report, part);
      return;
    } catch (err) {
      if (ids.length === 1) {
        // One broken trigger must not stop the others; its cursor did not move, so it is retried.
        failedLastTick = true;
        log?.error({ err, triggerId: ids[0] }, 'scheduler tick failed for a trigger');
        return;
      }
    }
    for (const id of ids) tickChunk([id], nowMs, report);
  }

  /** Returns the execution it started, if any. */
  function fireTick({
    t,
    schedule,
    p,
    nowMs,
    report,
    follows,
  }: {
    t: TriggerRow;
    schedule: ScheduleConfig;
    p: Planned;
    nowMs: number;
    report: TickReport;
    follows: string | undefined;
  }): string | undefined {
    const base = { trigger: t, kind: p.kind, scheduledFor: p.at, receivedAt: new Date(nowMs) };
    if (p.skip !== undefined) {
      if (deliveries.record({ ...base, status: 'skipped', reason: p.skip })) report.skipped++;
      return undefined;
    }
    const payload = { type: 'schedule' as const, key: t.key, scheduledFor: new Date(p.at).toISOString(), catchUp: p.kind === 'catch_up' };
    const result = firing.fire({ ...base, payload, startedBy: { kind: 'schedule', id: t.key }, overlap: schedule.overlap, follows });
    switch (result.outcome) {
      case 'started':
        report.started++;
        return result.executionId;
      case 'skipped':
        report.skipped++;
        break;
      case 'failed':
        report.failed++;
        log?.warn({ trigger: t.key, err: result.error.message }, 'scheduled run could not start');
        break;
      case 'duplicate':
      case 'already_recorded':
        break;
      default: {
        const never: never = result;
        throw new Error(`unknown fire outcome ${JSON.stringify(never)}`);
      }
    }
    return undefined;
  }

  /** One pass: releases held runs whose predecessor finished, then fires every due trigger. Synchronous. */
  function tick(): TickReport {
    const nowMs = clock.now().getTime();
    const report = emptyReport();
    failedLastTick = false;
    for (const id of repo.holdingIds()) {
      // Counted once committed: the journal may run `fn` again (a deadlock aborted it).
      if (journal.transaction(() => firing.releaseHeld(id))) report.released++;
    }
    const due = repo.dueIds(nowMs);
    for (let i = 0; i < due.length; i += TICK_CHUNK) tickChunk(due.slice(i, i + TICK_CHUNK), nowMs, report);
    return report;
  }

  /** A finished run of a schedule trigger lets the run held behind it go at once, not at the next tick. */
  function onExecutionEvent(event: JournalEvent, origin: EventOrigin) {
    // Another server's run finishing is released by that server, in reaction to its own write.
    if (origin !== 'local' || event.type !== 'execution.updated') return;
    if (!isFinishedExecution(event.data.status)) return;
    // The summary's `trigger` is free-form in the contract (whatever started the run).
    const trigger = event.data.trigger as { type?: string; key?: unknown } | null;
    if (trigger?.type !== 'schedule' || typeof trigger.key !== 'string') return;
    const t = repo.byKey(trigger.key);
    if (!t?.held_execution_id) return;
    journal.transaction(() => firing.releaseHeld(t.id));
  }

  return {
    tick,
    /**
     * Ticks at least every `intervalMs`, and wakes up at the earliest next_run_at in between, so a
     * due tick is picked up within milliseconds rather than within an interval.
     */
    start() {
      if (running) return;
      running = true;
      unsubscribe = journal.subscribe(EXECUTIONS_TOPIC, onExecutionEvent);
      const run = () => {
        timer = null;
        try {
          tick();
        } catch (err) {
          failedLastTick = true;
          log?.error({ err }, 'scheduler tick failed');
        }
        if (running) arm();
      };
      const arm = () => {
        const earliest = failedLastTick ? null : repo.earliestRun();
        const delay = earliest === null ? intervalMs : Math.min(intervalMs, Math.max(MIN_DELAY_MS, earliest - clock.now().getTime()));
        timer = setTimeout(run, delay);
        timer.unref();
      };
      arm();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
