import type { Db } from '../db/open';
import type { Clock } from '../clock';
import type { Principal } from '../auth/principal';

/** Who did it: a person, a runner, or Weft itself (a schedule, a webhook, a timeout). */
export type AuditActor = { kind: 'user' | 'runner' | 'schedule' | 'webhook' | 'system'; id: string | null; name: string };

export type AuditEntryInput = {
  actor: AuditActor;
  /** Dotted, past tense: `workflow.updated`, `approval.decided`, `auth.sign_in_failed`. */
  action: string;
  target: { kind: string; id: string | null };
  /** Before/after for definitions, triggers and roles; never secrets. */
  details?: Record<string, unknown>;
};

export function actorOf(principal: Principal | null): AuditActor {
  if (principal === null) return { kind: 'system', id: null, name: 'anonymous' };
  if (principal.type === 'runner') return { kind: 'runner', id: null, name: 'runner' };
  return { kind: 'user', id: principal.id, name: principal.name };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * The audit trail's writer. `record` is synchronous on the same better-sqlite3 connection, so
 * called inside a `db.transaction` it commits or rolls back with the change it describes.
 */
export function createAuditLog({ db, clock }: { db: Db; clock: Clock }) {
  const insert = db.prepare(
    'INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, target_kind, target_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    record(entry: AuditEntryInput): number {
      const result = insert.run(
        clock.now().getTime(),
        entry.actor.kind,
        entry.actor.id,
        entry.actor.name,
        entry.action,
        entry.target.kind,
        entry.target.id,
        JSON.stringify(entry.details ?? {}),
      );
      return Number(result.lastInsertRowid);
    },
  };
}
