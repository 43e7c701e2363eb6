import { ROLE_SCOPES, type Role } from '@weft/shared';
import type { UserPrincipal } from '../auth/principal';
import type { Db } from '../db/open';
import type { ApprovalViewer } from './approvals-service';

/**
 * The person approval rules look at: from the request's principal (its credential's scopes), or
 * from a user id alone (a decision made through a chat command or the assistant: the person's role).
 */
export function createApprovalViewers(db: Db) {
  const user = db.prepare<[string], { id: string; name: string; email: string | null; role: Role; disabled_at: number | null }>(
    'SELECT * FROM users WHERE id = ?',
  );
  return {
    of(principal: UserPrincipal): ApprovalViewer {
      const email = user.get(principal.id)?.email ?? null;
      return { id: principal.id, name: principal.name, email, role: principal.role, scopes: principal.scopes };
    },
    byId(id: string): ApprovalViewer | null {
      const row = user.get(id);
      return row && row.disabled_at === null ? { id: row.id, name: row.name, email: row.email, role: row.role, scopes: ROLE_SCOPES[row.role] } : null;
    },
  };
}
