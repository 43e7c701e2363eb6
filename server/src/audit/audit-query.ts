import type { AuditEntry, AuditQuery } from '@weft/shared';
import type { Db } from '../db/open';
import { filters } from '../db/filters';

type Row = {
  id: number;
  at: number;
  actor_kind: AuditEntry['actor']['kind'];
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_kind: string;
  target_id: string | null;
  details: string;
};

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
  action: r.action,
  target: { kind: r.target_kind, id: r.target_id },
  details: JSON.parse(r.details) as Record<string, unknown>,
});

/** Reads the audit trail, newest first, a page at a time (keyset on id). Read-only by design. */
export function createAuditQuery(db: Db) {
  return {
    list(q: AuditQuery): { entries: AuditEntry[]; nextBefore: number | null } {
      const f = filters();
      f.add(q.actor, 'actor_id = ?', q.actor);
      if (q.action?.endsWith('.*')) {
        // The filter's grammar (shared/src/api/audit.ts) allows no wildcard but this one: a prefix,
        // as the range [prefix, prefix with its last character incremented), which the
        // audit_log_action index answers; bytewise and case-sensitive on both stores (SQLite's
        // BINARY, PostgreSQL's COLLATE "C"), where LIKE folds case on SQLite and GLOB is SQLite's.
        const prefix = q.action.slice(0, -1);
        const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
        f.add(true, 'action >= ? AND action < ?', prefix, next);
      } else f.add(q.action, 'action = ?', q.action);
      if (q.target !== undefined) {
        const colon = q.target.indexOf(':');
        if (colon < 0) f.add(true, 'target_kind = ?', q.target);
        else f.add(true, 'target_kind = ? AND target_id = ?', q.target.slice(0, colon), q.target.slice(colon + 1));
      }
      f.add(q.before, 'id < ?', q.before);
      const rows = db.prepare<unknown[], Row>(`SELECT * FROM audit_log ${f.where()} ORDER BY id DESC LIMIT ?`).all(...f.params, q.limit + 1);
      const page = rows.slice(0, q.limit);
      return { entries: page.map(toEntry), nextBefore: rows.length > q.limit ? page.at(-1)!.id : null };
    },
  };
}
