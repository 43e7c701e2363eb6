import type { Clock } from '../../clock';

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
const MAX_PENDING = 1000;

export type PendingSignIns = ReturnType<typeof createPendingSignIns>;

/**
 * Sign-ins between the redirect to the provider and its return, keyed by `state`, kept in memory
 * (a restart only means starting again). `take` hands one out once: a replayed state finds nothing.
 */
export function createPendingSignIns({ clock }: { clock: Clock }) {
  const pending = new Map<string, PendingSignIn & { expiresAt: number }>();
  const now = () => clock.now().getTime();
  const prune = () => {
    const at = now();
    for (const [state, entry] of pending) if (entry.expiresAt <= at) pending.delete(state);
  };
  return {
    put(state: string, entry: PendingSignIn) {
      prune();
      // Map keeps insertion order: the oldest goes first.
      while (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
      pending.set(state, { ...entry, expiresAt: now() + PENDING_TTL_MS });
    },
    take(state: string): PendingSignIn | null {
      const entry = pending.get(state);
      pending.delete(state);
      if (entry === undefined || entry.expiresAt <= now()) return null;
      const { expiresAt: _, ...rest } = entry;
      return rest;
    },
  };
}
