import type { Role } from '@weft/shared';
import type { AuditLog } from '../../audit/audit-log';
import type { Clock } from '../../clock';
import type { Db } from '../../db/open';
import { createUserAccounts } from '../../people/user-accounts';
import type { UserRow, UsersStore } from '../../people/users-store';
import type { SsoClaims } from './oidc-client';
import { roleFromClaim } from './role-claim';

/** Why a single sign-on was refused, as recorded in `auth.sign_in_failed` (never shown to the browser). */
export type SsoFailure = 'state' | 'provider_error' | 'unavailable' | 'token' | 'disabled' | 'email_in_use' | 'link_required' | 'subject_in_use' | 'internal';

type Refusal = 'disabled' | 'email_in_use' | 'link_required' | 'subject_in_use';
export type SsoSignIn = { ok: true; user: UserRow } | { ok: false; reason: Refusal; userId: string | null };

/** Accounts a provider's email claim never takes over: they link from their Account page, signed in. */
const LINK_IN_PERSON: ReadonlySet<string> = new Set(['owner', 'admin']);

const actor = (row: { id: string; name: string }) => ({ kind: 'user' as const, id: row.id, name: row.name });
const METHOD = 'oidc';

/**
 * The person an ID token signs in: found by `iss|sub`, else created. An existing account with the
 * same email is not taken over: the person signs in as before and links single sign-on from their
 * Account page (`link`). With `linkByEmail` a verified email links it instead, except an owner's or
 * an admin's. With a role claim configured the claim sets the role at every sign-in, except the
 * owner's. Each change and its audit entry commit together, in one transaction.
 */
export function createSsoUsers({
  db,
  clock,
  users,
  audit,
  roleClaim,
  linkByEmail,
}: {
  db: Db;
  clock: Clock;
  users: UsersStore;
  audit: AuditLog;
  roleClaim: boolean;
  linkByEmail: boolean;
}) {
  // People are written in one module; this one decides who a sign-on is and audits it.
  const accounts = createUserAccounts({ db, clock });

  const refuse = (reason: Refusal, row: UserRow | null): SsoSignIn => {
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

  const linkSubject = (row: UserRow, subject: string, by: 'email' | 'account') => {
    accounts.linkSubject(row.id, subject);
    audit.record({ actor: actor(row), action: 'user.updated', target: { kind: 'user', id: row.id }, details: { via: METHOD, linked: by } });
  };

  const create = (claims: SsoClaims, subject: string, role: Role): UserRow => {
    const name = claims.name ?? claims.email ?? 'Single sign-on user';
    const row = accounts.createFromSso({ name, email: claims.emailVerified ? claims.email : null, role, subject });
    audit.record({ actor: actor(row), action: 'user.created', target: { kind: 'user', id: row.id }, details: { via: METHOD, role } });
    return row;
  };

  const signIn = db.transaction((claims: SsoClaims): SsoSignIn => {
    const subject = `${claims.iss}|${claims.sub}`;
    const claimedRole = roleFromClaim(claims.roleValue);
    let row = accounts.bySubject(subject) ?? null;
    // An unverified email is no one's: it neither links nor is stored.
    if (row === null && claims.email !== null && claims.emailVerified) {
      const sameEmail = users.byEmail(claims.email) ?? null;
      if (sameEmail !== null) {
        // Someone else's single sign-on holds this address: never move it to a second subject.
        if (sameEmail.oidc_subject !== null) return refuse('email_in_use', null);
        if (!linkByEmail || LINK_IN_PERSON.has(sameEmail.role)) return refuse('link_required', sameEmail);
        if (sameEmail.disabled_at !== null) return refuse('disabled', sameEmail);
        linkSubject(sameEmail, subject, 'email');
        row = users.get(sameEmail.id)!;
      }
    }
    if (row?.disabled_at != null) return refuse('disabled', row);
    if (row === null) {
      row = create(claims, subject, roleClaim ? claimedRole : 'viewer');
    } else if (roleClaim && row.role !== 'owner' && row.role !== claimedRole) {
      const before = row.role;
      row = accounts.update(row.id, { role: claimedRole });
      audit.record({
        actor: actor(row),
        action: 'user.updated',
        target: { kind: 'user', id: row.id },
        details: { via: METHOD, before: { role: before }, after: { role: claimedRole } },
      });
    }
    accounts.noteSignIn(row.id);
    audit.record({ actor: actor(row), action: 'auth.signed_in', target: { kind: 'user', id: row.id }, details: { method: METHOD } });
    return { ok: true, user: row };
  });

  /** Links the provider's subject to the signed-in person who asked for it from their Account page. */
  const link = db.transaction((claims: SsoClaims, userId: string): SsoSignIn => {
    const subject = `${claims.iss}|${claims.sub}`;
    const row = users.get(userId) ?? null;
    if (row === null || row.disabled_at !== null) return refuse('disabled', row);
    const holder = accounts.bySubject(subject) ?? null;
    if (holder !== null && holder.id !== row.id) return refuse('subject_in_use', row);
    if (row.oidc_subject !== null && row.oidc_subject !== subject) return refuse('subject_in_use', row);
    if (holder === null) linkSubject(row, subject, 'account');
    return { ok: true, user: users.get(row.id)! };
  });

  return { signIn, link, recordFailure };
}
