import type { Db } from '../db/open';

/**
 * Whether a missing execution was pruned by retention: execution ids sort by creation time, and
 * retention remembers the newest id it deleted, so a missing `ex_…` id at or before it was pruned
 * (410) while a newer one never existed (404). One row, however many runs were pruned.
 */
export function createPrunedExecutions(db: Db) {
  const s = {
    watermark: db.prepare<[], { id: string | null }>('SELECT pruned_through_id AS id FROM retention_state WHERE id = 1'),
    raise: db.prepare('UPDATE retention_state SET pruned_through_id = ? WHERE id = 1 AND (pruned_through_id IS NULL OR pruned_through_id < ?)'),
  };
  return {
    wasPruned(executionId: string): boolean {
      const mark = s.watermark.get()?.id ?? null;
      return mark !== null && executionId.startsWith('ex_') && executionId <= mark;
    },
    /** Inside the transaction that deletes `executionId`. */
    record(executionId: string): void {
      s.raise.run(executionId, executionId);
    },
  };
}

export type PrunedExecutions = ReturnType<typeof createPrunedExecutions>;
