import type { Db } from '../db/open';
import type { RowBudget } from './row-budget';

/**
 * Deletes trigger deliveries that started no run (and the per-minute counts of refused calls) (skipped, rejected, failed) once older than the
 * retention cutoff; a delivery that started one goes with its execution. Walks deliveries in `ord`
 * (arrival) order from a cursor, a page per call, so a transaction reads and deletes a bounded number
 * of rows. Nothing depends on an old runless delivery: a schedule's next tick comes from its
 * trigger's cursor, and delivery-id idempotency keys only started deliveries.
 */
export function createDeliveryPruner(db: Db) {
  const s = {
    page: db.prepare<[number, number], { ord: number; runless: 0 | 1; received_at: string }>(
      'SELECT ord, execution_id IS NULL AS runless, received_at FROM trigger_deliveries WHERE ord > ? ORDER BY ord LIMIT ?',
    ),
    remove: db.prepare<[number]>('DELETE FROM trigger_deliveries WHERE ord = ?'),
    removeCounts: db.prepare<[number, number]>(
      'DELETE FROM trigger_delivery_counts WHERE (trigger_id, minute, reason) IN (SELECT trigger_id, minute, reason FROM trigger_delivery_counts WHERE minute < ? LIMIT ?)',
    ),
  };
  return {
    /**
     * Inside a transaction: from `cursor` on, deletes what the budget allows. Returns the cursor to go
     * on from, and `done` once a delivery newer than `cutoff` (or the end of the table) is reached.
     */
    prune({ cursor, cutoff, budget }: { cursor: number; cutoff: string; budget: RowBudget }): { cursor: number; done: boolean } {
      // One page per transaction, charged or not: a long stretch of kept deliveries costs several
      // transactions, never one long one.
      let at = cursor;
      const rows = s.page.all(at, budget.left);
      for (const row of rows) {
        if (row.received_at >= cutoff) return { cursor: at, done: true };
        if (row.runless === 1) budget.charge('trigger_deliveries', s.remove.run(row.ord).changes);
        at = row.ord;
      }
      return { cursor: at, done: rows.length === 0 };
    },
    /** Inside a transaction: per-minute counts of refused and duplicate calls older than `cutoffMs`; true when none are left. */
    pruneCounts({ cutoffMs, budget }: { cutoffMs: number; budget: RowBudget }): boolean {
      const left = budget.left;
      const n = s.removeCounts.run(cutoffMs, left).changes;
      budget.charge('trigger_delivery_counts', n);
      return n < left;
    },
  };
}
