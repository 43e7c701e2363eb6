import { createHash } from 'node:crypto';
import type { Clock } from '../../clock';
import type { Db } from '../../db/open';

/**
 * What the callback needs from its start: the PKCE verifier, the nonce and where to go after;
 * `linkTo`: the signed-in person (and their browser session) who asked to link single sign-on to
 * their account, else null.
 */
export type PendingSignIn = {
  codeVerifier: string;
  nonce: string;
  redirectUri: string;
  next: string | null;
  linkTo: { userId: string; sessionId: string } | null;
};

/** A sign-in not finished within this is forgotten: the person starts again. */
export const PENDING_TTL_MS = 10 * 60_000;
/** The start route is public: a bound on what anonymous callers can make the server hold. */
export const MAX_PENDING_SIGN_INS = 1000;

export type PendingSignIns = ReturnType<typeof createPendingSignIns>;

const hashOf = (state: string) => createHash('sha256').update(state).digest('hex');

/**
 * Sign-ins between the redirect to the provider and its return, keyed by `state`, in the database:
 * the return may reach another server than the start (several servers on PostgreSQL), or the same
 * one after a restart. `take` hands one out once, whichever server asks: a replayed state finds nothing.
 */
export function createPendingSignIns({ db, clock }: { db: Db; clock: Clock }) {
  const s = {
    pruneExpired: db.prepare('DELETE FROM oidc_pending_sign_ins WHERE expires_at <= ?'),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM oidc_pending_sign_ins'),
    // The oldest go first when the bound is reached (every entry lives the same TTL).
    dropOldest: db.prepare(
      'DELETE FROM oidc_pending_sign_ins WHERE state_hash IN (SELECT state_hash FROM oidc_pending_sign_ins ORDER BY expires_at, state_hash LIMIT ?)',
    ),
    insert: db.prepare('INSERT INTO oidc_pending_sign_ins (state_hash, entry, expires_at) VALUES (?, ?, ?)'),
    take: db.prepare<[string], { entry: string; expires_at: number }>('DELETE FROM oidc_pending_sign_ins WHERE state_hash = ? RETURNING entry, expires_at'),
  };
  const now = () => clock.now().getTime();
  return {
    put(state: string, entry: PendingSignIn) {
      db.transaction(() => {
        const at = now();
        s.pruneExpired.run(at);
        const over = Number(s.count.get()?.n ?? 0) - MAX_PENDING_SIGN_INS + 1;
        if (over > 0) s.dropOldest.run(over);
        s.insert.run(hashOf(state), JSON.stringify(entry), at + PENDING_TTL_MS);
      })();
    },
    take(state: string): PendingSignIn | null {
      const row = s.take.get(hashOf(state));
      if (row === undefined || Number(row.expires_at) <= now()) return null;
      return JSON.parse(row.entry) as PendingSignIn;
    },
  };
}
