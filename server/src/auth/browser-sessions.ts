import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/open';
import type { Clock } from '../clock';

type Row = { id_hash: string; principal_id: string; created_at: number; expires_at: number; last_seen_at: number };

/** last_seen_at is a hint for people, not a security control: written at most once a minute. */
const SEEN_RESOLUTION_MS = 60_000;

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

export type BrowserSessions = ReturnType<typeof createBrowserSessions>;

/**
 * Browser sign-ins. The cookie holds a random session id; the table holds only its SHA-256, so a
 * copy of the database signs nobody in. A session ends at `expires_at` or on sign-out.
 */
export function createBrowserSessions({ db, clock, ttlMs }: { db: Db; clock: Clock; ttlMs: number }) {
  const stmts = {
    insert: db.prepare('INSERT INTO auth_sessions (id_hash, principal_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)'),
    get: db.prepare<[string], Row>('SELECT * FROM auth_sessions WHERE id_hash = ?'),
    seen: db.prepare('UPDATE auth_sessions SET last_seen_at = ? WHERE id_hash = ?'),
    remove: db.prepare('DELETE FROM auth_sessions WHERE id_hash = ?'),
    prune: db.prepare('DELETE FROM auth_sessions WHERE expires_at <= ?'),
  };
  const now = () => clock.now().getTime();
  return {
    ttlMs,
    /** A new session for `principalId`; the id is returned once, for the cookie. */
    create(principalId: string): { id: string; expiresAt: number } {
      const at = now();
      stmts.prune.run(at);
      const id = randomBytes(32).toString('base64url');
      stmts.insert.run(hashOf(id), principalId, at, at + ttlMs, at);
      return { id, expiresAt: at + ttlMs };
    },
    /** The session's principal, or null when unknown or expired (an expired row is deleted). */
    lookup(id: string): { principalId: string } | null {
      if (id.length === 0 || id.length > 200) return null;
      const hash = hashOf(id);
      const row = stmts.get.get(hash);
      if (!row) return null;
      const at = now();
      if (row.expires_at <= at) {
        stmts.remove.run(hash);
        return null;
      }
      if (at - row.last_seen_at >= SEEN_RESOLUTION_MS) stmts.seen.run(at, hash);
      return { principalId: row.principal_id };
    },
    end(id: string): void {
      stmts.remove.run(hashOf(id));
    },
    prune(): number {
      return stmts.prune.run(now()).changes;
    },
  };
}
