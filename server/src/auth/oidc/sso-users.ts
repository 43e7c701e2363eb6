import type { Role } from '@weft/shared';
import type { AuditLog } from '../../audit/audit-log';
import type { Clock } from '../../clock';
import { newId } from '../../db/ids';
import type { Db } from '../../db/open';
import type { UserRow, UsersStore } from '../../people/users-store';
import type { SsoClaims } from './oidc-client';
import { roleFromClaim } from './role-claim';

/** Why a single sign-on was refused, as recorded in `auth.sign_in_failed` (never shown to the browser). */
export type SsoFailure = 'state' | 'provider_error' | 'unavailable' | 'token' | 'disabled' | 'email_in_use' | 'internal';

export type SsoSignIn = { ok: true; user: UserRow } | { ok: false; reason: 'disabled' | 'email_in_use'; userId: string | null };

const actor = (row: { id: string; name: string }) => ({ kind: 'user' as const, id: row.id, name: row.name });
const METHOD = 'oidc';

/**
 * The person an ID token signs in: found by `iss|sub`, else by a verified email (linked then),
 * else created. With a role claim configured the claim sets the role at every sign-in, except
 * the owner's. Each change and its audit entry commit together, in one transaction.
 */
export function createSsoUsers({ db, clock, users, audit, roleClaim }: { db: Db; clock: Clock; users: UsersStore; audit: AuditLog; roleClaim: boolean }) {
  const stmts = {
    bySubject: db.prepare<[string], UserRow>('SELECT * FROM users WHERE oidc_subject = ?'),
    link: db.prepare('UPDATE users SET oidc_subject = ?, updated_at = ? WHERE id = ?'),
    insert: db.prepare('INSERT INTO users (id, name, email, role, oidc_subject, created_at, updated_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    setRole: db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE id = ?'),
    signedIn: db.prepare('UPDATE users SET last_sign_in_at = ? WHERE id = ?'),
  };
  const now = () => clock.now().getTime();

  const refuse = (reason: 'disabled' | 'email_in_use', row: UserRow | null): SsoSignIn => {
    recordFailure(reason, row?.id ?? null);
    return { ok: false, reason, userId: row?.id ?? null };
  };

  const recordFailure = (reason: SsoFailure, userId: string | null) =>
    audit.record({
      actor: { kind: 'system', id: null, name: 'anonymous' },
      action: 'auth.sign_in_failed',
      target: { kind: 'user', id: userId },
      details: { method: METHOD, reason },
    });

  const create = (claims: SsoClaims, subject: string, role: Role): UserRow => {
    const at = now();
    const id = newId('usr', at);
    const name = claims.name ?? claims.email ?? 'Single sign-on user';
    stmts.insert.run(id, name.slice(0, 200), claims.emailVerified ? claims.email : null, role, subject, at, at, null);
    const row = users.get(id)!;
    audit.record({ actor: actor(row), action: 'user.created', target: { kind: 'user', id }, details: { via: METHOD, role } });
    return row;
  };

  const signIn = db.transaction((claims: SsoClaims): SsoSignIn => {
    const subject = `${claims.iss}|${claims.sub}`;
    const claimedRole = roleFromClaim(claims.roleValue);
    let row = stmts.bySubject.get(subject) ?? null;
    if (row === null && claims.email !== null && claims.emailVerified) {
      const sameEmail = users.byEmail(claims.email) ?? null;
      // Someone else's single sign-on holds this address: never move it to a second subject.
      if (sameEmail !== null && sameEmail.oidc_subject !== null) return refuse('email_in_use', null);
      if (sameEmail !== null) {
        if (sameEmail.disabled_at !== null) return refuse('disabled', sameEmail);
        stmts.link.run(subject, now(), sameEmail.id);
        audit.record({ actor: actor(sameEmail), action: 'user.updated', target: { kind: 'user', id: sameEmail.id }, details: { via: METHOD, linked: true } });
        row = users.get(sameEmail.id)!;
      }
    }
    if (row?.disabled_at != null) return refuse('disabled', row);
    if (row === null) {
      row = create(claims, subject, roleClaim ? claimedRole : 'viewer');
    } else if (roleClaim && row.role !== 'owner' && row.role !== claimedRole) {
      stmts.setRole.run(claimedRole, now(), row.id);
      audit.record({
        actor: actor(row),
        action: 'user.updated',
        target: { kind: 'user', id: row.id },
        details: { via: METHOD, before: { role: row.role }, after: { role: claimedRole } },
      });
      row = users.get(row.id)!;
    }
    stmts.signedIn.run(now(), row.id);
    audit.record({ actor: actor(row), action: 'auth.signed_in', target: { kind: 'user', id: row.id }, details: { method: METHOD } });
    return { ok: true, user: row };
  });

  return { signIn, recordFailure };
}
