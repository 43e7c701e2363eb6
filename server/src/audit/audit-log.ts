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
  // A scraper reads /metrics only and changes nothing; named should that ever change.
  if (principal.type === 'metrics') return { kind: 'system', id: null, name: 'metrics' };
  return { kind: 'user', id: principal.id, name: principal.name };
}

/** Weft acting on its own (an engine timeout, a restart, a run started by a run). */
export const systemActor = (name = 'weft'): AuditActor => ({ kind: 'system', id: null, name });

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * The audit trail's writer. `record` is synchronous on the same better-sqlite3 connection, so
 * called inside a `db.transaction` (or a journal transaction, or a group-commit batch: all one
 * connection) it commits or rolls back with the change it describes.
 *
 * Services record their own changes, inside their own transactions, so every path that makes a
 * change (route, tool, engine) leaves an entry. They learn who acts from `actingAs`: a route wraps
 * its synchronous call to the service in it. Transactions are synchronous, so a plain stack (as the
 * journal keeps its pending writes) is enough: no async context can leak between requests.
 */
export function createAuditLog({ db, clock }: { db: Db; clock: Clock }) {
  // RETURNING rather than lastInsertRowid: PostgreSQL has no rowid.
  const insert = db
    .prepare<[number, string, string | null, string, string, string, string | null, string], number>(
      'INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, target_kind, target_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    )
    .pluck();
  const prune = db.prepare('DELETE FROM audit_log WHERE at < ?');
  let acting: AuditActor | null = null;
  return {
    record(entry: AuditEntryInput): number {
      const id = insert.get(
        clock.now().getTime(),
        entry.actor.kind,
        entry.actor.id,
        entry.actor.name,
        entry.action,
        entry.target.kind,
        entry.target.id,
        JSON.stringify(entry.details ?? {}),
      );
      return Number(id);
    },

    /** Runs `fn` with `actor` as who acts: what the services record while it runs names them. */
    actingAs<T>(actor: AuditActor, fn: () => T): T {
      const outer = acting;
      acting = actor;
      try {
        return fn();
      } finally {
        acting = outer;
      }
    },

    /** `actingAs` the person (or runner) a request acts for: how a route wraps its call to a service. */
    actingFor<T>(principal: Principal | null, fn: () => T): T {
      return this.actingAs(actorOf(principal), fn);
    },

    /** Who acts now (see `actingAs`), else `fallback`: Weft itself. */
    actor(fallback: AuditActor = systemActor()): AuditActor {
      return acting ?? fallback;
    },

    /** Retention: deletes entries older than `beforeMs`; the number deleted. Never reachable from the API. */
    pruneBefore(beforeMs: number): number {
      return prune.run(beforeMs).changes;
    },
  };
}
