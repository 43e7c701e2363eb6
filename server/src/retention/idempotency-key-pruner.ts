import type { Db } from '../db/open';
import type { RowBudget } from './row-budget';

/**
 * Forgets `Idempotency-Key` answers older than their day (http/idempotency.ts), whatever the
 * retention settings say: a key answers the retries of one request, not a later one.
 */
export function createIdempotencyKeyPruner(db: Db) {
  const remove = db.prepare<[string, number]>(
    'DELETE FROM idempotency_keys WHERE (owner, key) IN (SELECT owner, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)',
  );
  return {
    /** Inside a transaction: deletes what the budget allows of the keys created before `cutoff`; true when none are left. */
    prune({ cutoff, budget }: { cutoff: string; budget: RowBudget }): boolean {
      const left = budget.left;
      const n = remove.run(cutoff, left).changes;
      budget.charge('idempotency_keys', n);
      return n < left;
    },
  };
}
