import { appendLogChunk, type LogChunk, parseTopic, StepLog } from '@weft/shared';
import type { Db } from '../db/open';
import { createJournalFloors } from '../journal/floors';
import type { RowBudget } from './row-budget';

type EventRow = { seq: number; type: string; at: string; data: string };

/**
 * Compacts journal topics: removes a topic's events older than the grace period except its newest
 * (seqs go on from it), and records how far in `journal_floors`, so a replay from before that is
 * refused with `topic_pruned` rather than answered with a silent gap.
 *
 * - `execution:<id>` of a run that finished before the cutoff: everything but the last event.
 *   The run page shows a finished run from its tables (GET /api/executions/:id): steps, inputs,
 *   outputs, errors. The one thing only the events held, its steps' streamed logs, is folded into
 *   `step_runs.log` first. A run that has not finished, or finished since the cutoff, is left alone.
 * - Any other topic (lists, workflows, chats, triggers): the events written before the cutoff.
 *   Their pages load their state over REST and follow the topic from its head.
 */
export function createTopicCompactor(db: Db) {
  const floors = createJournalFloors(db);
  const s = {
    nextTopic: db.prepare<[string], { topic: string }>('SELECT topic FROM events WHERE topic > ? ORDER BY topic LIMIT 1'),
    head: db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE topic = ?'),
    chunk: db.prepare<[string, number, number, number], EventRow>(
      'SELECT seq, type, at, data FROM events WHERE topic = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?',
    ),
    remove: db.prepare<[string, number, number]>('DELETE FROM events WHERE topic = ? AND seq > ? AND seq <= ?'),
    execution: db.prepare<[string], { ended: string; finished: number }>(
      `SELECT COALESCE(finished_at, updated_at, created_at) AS ended,
         status IN ('succeeded', 'failed', 'canceled', 'denied') AS finished FROM executions WHERE id = ?`,
    ),
    stepLog: db.prepare<[string, string, string, number], { log: string | null }>(
      'SELECT log FROM step_runs WHERE execution_id = ? AND step_id = ? AND iteration_path = ? AND attempt = ?',
    ),
    setStepLog: db.prepare<[string, string, string, string, number]>(
      'UPDATE step_runs SET log = ? WHERE execution_id = ? AND step_id = ? AND iteration_path = ? AND attempt = ?',
    ),
  };

  /** Appends the `step.log` events of one chunk to their attempts' `log` column. */
  function foldLogs(rows: readonly EventRow[]): void {
    const byRun = new Map<string, { log: StepLog; chunks: LogChunk[] }>();
    for (const row of rows) {
      if (row.type !== 'step.log') continue;
      const parsed = StepLog.safeParse(JSON.parse(row.data));
      if (!parsed.success) continue;
      const log = parsed.data;
      const key = JSON.stringify([log.stepId, log.iterationPath, log.attempt]);
      const entry = byRun.get(key) ?? { log, chunks: [] };
      entry.chunks.push({ stream: log.stream, text: log.text });
      byRun.set(key, entry);
    }
    for (const { log, chunks } of byRun.values()) {
      const stored = s.stepLog.get(log.executionId, log.stepId, log.iterationPath, log.attempt);
      if (stored === undefined) continue; // no such attempt row: nothing would show it
      let merged: LogChunk[] = stored.log === null ? [] : (JSON.parse(stored.log) as LogChunk[]);
      for (const chunk of chunks) merged = appendLogChunk(merged, chunk);
      s.setStepLog.run(JSON.stringify(merged), log.executionId, log.stepId, log.iterationPath, log.attempt);
    }
  }

  return {
    /** The topic after `after` in name order that has events (null past the last). */
    nextTopic: (after: string): string | null => s.nextTopic.get(after)?.topic ?? null,

    /**
     * Inside a transaction: compacts what the budget allows of `topic` (events written, or runs
     * finished, before `cutoff`). `partial` when the budget ran out with more to do.
     */
    compact({ topic, cutoff, budget, at }: { topic: string; cutoff: string; budget: RowBudget; at: string }): 'compacted' | 'partial' | 'nothing' {
      const head = s.head.get(topic)?.seq ?? 0;
      const floor = floors.floor(topic);
      if (head - 1 <= floor || budget.exhausted) return budget.exhausted && head - 1 > floor ? 'partial' : 'nothing';
      const parsed = parseTopic(topic);
      const executionId = parsed?.kind === 'execution' ? parsed.id : null;
      if (executionId !== null) {
        const run = s.execution.get(executionId);
        // A missing run's events go with it (the pruner); an unfinished or recent one is still being watched.
        if (run === undefined || run.finished !== 1 || run.ended > cutoff) return 'nothing';
      }
      const rows = s.chunk.all(topic, floor, head, budget.left);
      const removable = executionId !== null ? rows : rows.slice(0, countBefore(rows, cutoff));
      const last = removable.at(-1);
      if (last === undefined) return 'nothing';
      if (executionId !== null) foldLogs(removable);
      budget.charge('events', s.remove.run(topic, floor, last.seq).changes);
      floors.set({ topic, prunedThrough: last.seq, at });
      // Out of budget with older events left: the next transaction goes on (or finds them too new).
      return budget.exhausted && last.seq < head - 1 ? 'partial' : 'compacted';
    },
  };
}

/** How many leading rows were written by `cutoff` (a topic's events are in time order). */
function countBefore(rows: readonly EventRow[], cutoff: string): number {
  const i = rows.findIndex((r) => r.at > cutoff);
  return i === -1 ? rows.length : i;
}

export type TopicCompactor = ReturnType<typeof createTopicCompactor>;
