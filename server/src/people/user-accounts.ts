import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@weft/shared';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { UserRow } from './users-store';

/** An invite link works for a week, once. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

type InviteRow = { user_id: string; expires_at: number; used_at: number | null };

/** What an invite code is: unknown (or used), expired, or good for this person. */
export type InviteLookup = { state: 'unknown' } | { state: 'expired' } | { state: 'valid'; user: UserRow };

export type UserAccounts = ReturnType<typeof createUserAccounts>;

/**
 * Every write to people: invite, set a password, change role or disabled, note a sign-in, create or
 * link through single sign-on. Each is synchronous so a route runs it in one `db.transaction` with
 * its audit entry.
 */
export function createUserAccounts({ db, clock }: { db: Db; clock: Clock }) {
  const stmts = {
    get: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    insert: db.prepare('INSERT INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
    setPassword: db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?'),
    setProfile: db.prepare('UPDATE users SET name = ?, email = ?, updated_at = ? WHERE id = ?'),
    setRole: db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE id = ?'),
    setDisabled: db.prepare('UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?'),
    signedIn: db.prepare('UPDATE users SET last_sign_in_at = ? WHERE id = ?'),
    insertSso: db.prepare('INSERT INTO users (id, name, email, role, oidc_subject, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    bySubject: db.prepare<[string], UserRow>('SELECT * FROM users WHERE oidc_subject = ?'),
    linkSubject: db.prepare('UPDATE users SET oidc_subject = ?, updated_at = ? WHERE id = ?'),
    emailTaken: db.prepare<[string, string], { id: string }>('SELECT id FROM users WHERE email = ? AND id <> ?'),
    enabledOwners: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM users WHERE role = 'owner' AND disabled_at IS NULL"),
    insertInvite: db.prepare('INSERT INTO user_invites (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    invite: db.prepare<[string], InviteRow>('SELECT user_id, expires_at, used_at FROM user_invites WHERE code_hash = ?'),
    useInvite: db.prepare('UPDATE user_invites SET used_at = ? WHERE code_hash = ? AND used_at IS NULL'),
  };
  const now = () => clock.now().getTime();
  const reload = (id: string) => stmts.get.get(id)!;
  const newUserId = () => `usr_${randomBytes(9).toString('base64url')}`;
  return {
    /** Whether `email` belongs to someone other than `exceptId` (emails are unique, case-insensitively). */
    emailTaken: (email: string, exceptId = ''): boolean => stmts.emailTaken.get(email, exceptId) !== undefined,
    enabledOwnerCount: (): number => stmts.enabledOwners.get()!.n,
    /** A new person without a password, and the one-time code of their invite link. */
    invite({ name, email, role }: { name: string; email: string; role: Role }): { user: UserRow; code: string } {
      const at = now();
      const id = newUserId();
      const code = randomBytes(24).toString('base64url');
      stmts.insert.run(id, name, email, role, at, at);
      stmts.insertInvite.run(sha256(code), id, at, at + INVITE_TTL_MS);
      return { user: reload(id), code };
    },
    lookupInvite(code: string): InviteLookup {
      if (code.length === 0 || code.length > 200) return { state: 'unknown' };
      const invite = stmts.invite.get(sha256(code));
      const user = invite && stmts.get.get(invite.user_id);
      if (!invite || !user || invite.used_at !== null || user.disabled_at !== null) return { state: 'unknown' };
      if (invite.expires_at <= now()) return { state: 'expired' };
      return { state: 'valid', user };
    },
    /** Marks the code used; false when another request used it first. */
    useInvite: (code: string): boolean => stmts.useInvite.run(now(), sha256(code)).changes > 0,
    setPassword(id: string, passwordHash: string): void {
      stmts.setPassword.run(passwordHash, now(), id);
    },
    setProfile(id: string, { name, email }: { name: string; email: string }): void {
      stmts.setProfile.run(name, email, now(), id);
    },
    update(id: string, change: { role?: Role; disabled?: boolean }): UserRow {
      const at = now();
      if (change.role !== undefined) stmts.setRole.run(change.role, at, id);
      if (change.disabled !== undefined) stmts.setDisabled.run(change.disabled ? at : null, at, id);
      return reload(id);
    },
    noteSignIn(id: string): void {
      stmts.signedIn.run(now(), id);
    },
    /** The person a single sign-on subject (`iss|sub`) belongs to. */
    bySubject: (subject: string): UserRow | undefined => stmts.bySubject.get(subject),
    /** A person created at their first single sign-on, already linked to its subject. */
    createFromSso({ name, email, role, subject }: { name: string; email: string | null; role: Role; subject: string }): UserRow {
      const at = now();
      const id = newUserId();
      stmts.insertSso.run(id, name.slice(0, 200), email, role, subject, at, at);
      return reload(id);
    },
    linkSubject(id: string, subject: string): UserRow {
      stmts.linkSubject.run(subject, now(), id);
      return reload(id);
    },
  };
}
