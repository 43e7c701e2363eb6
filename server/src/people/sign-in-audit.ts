import { actorOf, type AuditLog } from '../audit/audit-log';
import type { UserAccounts } from './user-accounts';

/** How someone got in, recorded with `auth.signed_in` and `auth.sign_in_failed`. */
export type SignInMethod = 'link' | 'token' | 'password' | 'invite';

export type SignInAudit = ReturnType<typeof createSignInAudit>;

/**
 * The sign-in audit entries. Call inside the transaction that starts the session; `details` never
 * holds a password, token or code — only the method and, for a failure, the email that was tried.
 */
export function createSignInAudit({ audit, accounts }: { audit: AuditLog; accounts: UserAccounts }) {
  return {
    signedIn(user: { id: string; name: string }, method: SignInMethod): void {
      accounts.noteSignIn(user.id);
      audit.record({
        actor: { kind: 'user', id: user.id, name: user.name },
        action: 'auth.signed_in',
        target: { kind: 'user', id: user.id },
        details: { method },
      });
    },
    failed({ method, email, userId = null }: { method: SignInMethod; email?: string; userId?: string | null }): void {
      audit.record({
        actor: actorOf(null),
        action: 'auth.sign_in_failed',
        target: { kind: 'user', id: userId },
        details: email === undefined ? { method } : { method, email: email.slice(0, 254) },
      });
    },
    signedOut(user: { id: string; name: string }): void {
      audit.record({ actor: { kind: 'user', id: user.id, name: user.name }, action: 'auth.signed_out', target: { kind: 'user', id: user.id } });
    },
  };
}
