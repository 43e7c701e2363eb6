import type { Clock } from '../clock';
import type { AuditLog } from './audit-log';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * WEFT_AUDIT_RETENTION_DAYS: entries older than that many days are deleted, at start and then at
 * most once a day (`pruneDue` is called on every engine tick and returns at once in between).
 * 0 keeps everything.
 */
export function createAuditRetention({ audit, clock, days }: { audit: AuditLog; clock: Clock; days: number }) {
  let lastPruneMs: number | null = null;
  return {
    /** Prunes when a day has passed since the last prune (or none ran yet); the number deleted. */
    pruneDue(): number {
      if (days === 0) return 0;
      const now = clock.now().getTime();
      if (lastPruneMs !== null && now - lastPruneMs < DAY_MS) return 0;
      lastPruneMs = now;
      return audit.pruneBefore(now - days * DAY_MS);
    },
  };
}

export type AuditRetention = ReturnType<typeof createAuditRetention>;
