/**
 * "Something about this person's access changed": their role, their being disabled, a browser
 * session of theirs ending (sign-out, revoke) or a personal token of theirs deleted. The people and
 * auth routes call `changed`; the browser socket (`/ws`, live/live-socket.ts) listens and re-checks
 * each of the person's sockets at once, closing those whose credential no longer gives the same
 * principal (close code 4401).
 *
 * In process only: with several servers on PostgreSQL, another server's sockets find out on their
 * next heartbeat re-check (`liveHeartbeatMs`). Listeners run on the next turn of the event loop, so
 * a call inside a transaction is heard after it commits (or, rolled back, costs a needless re-check).
 */
export type CredentialChanges = ReturnType<typeof createCredentialChanges>;

export function createCredentialChanges() {
  const listeners = new Set<(userId: string) => void>();
  const pending = new Set<string>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const userIds = [...pending];
    pending.clear();
    for (const userId of userIds) for (const listener of listeners) listener(userId);
  };
  return {
    changed(userId: string): void {
      pending.add(userId);
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
    /** Returns the unsubscribe. */
    listen(listener: (userId: string) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
