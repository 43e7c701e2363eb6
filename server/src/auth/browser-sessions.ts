import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/open';
import type { Clock } from '../clock';

type Row = {
  id_hash: string;
  principal_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  public_id: string | null;
  user_agent: string | null;
};

/** A session as its person sees it in a list: never the cookie's value. */
export type BrowserSessionInfo = { id: string; createdAt: string; lastSeenAt: string; expiresAt: string; userAgent: string | null };

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
    insert: db.prepare(
      'INSERT INTO auth_sessions (id_hash, principal_id, created_at, expires_at, last_seen_at, public_id, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    listFor: db.prepare<[string, number], Row>('SELECT * FROM auth_sessions WHERE principal_id = ? AND expires_at > ? ORDER BY created_at DESC'),
    endFor: db.prepare('DELETE FROM auth_sessions WHERE principal_id = ? AND public_id = ?'),
    endAllFor: db.prepare('DELETE FROM auth_sessions WHERE principal_id = ?'),
    get: db.prepare<[string], Row>('SELECT * FROM auth_sessions WHERE id_hash = ?'),
    seen: db.prepare('UPDATE auth_sessions SET last_seen_at = ? WHERE id_hash = ?'),
    remove: db.prepare('DELETE FROM auth_sessions WHERE id_hash = ?'),
    prune: db.prepare('DELETE FROM auth_sessions WHERE expires_at <= ?'),
  };
  const now = () => clock.now().getTime();
  return {
    ttlMs,
    /** A new session for `principalId`; the id is returned once, for the cookie. */
    create(principalId: string, userAgent: string | null = null): { id: string; publicId: string; expiresAt: number } {
      const at = now();
      stmts.prune.run(at);
      const id = randomBytes(32).toString('base64url');
      const publicId = `bs_${randomBytes(9).toString('base64url')}`;
      stmts.insert.run(hashOf(id), principalId, at, at + ttlMs, at, publicId, userAgent?.slice(0, 300) ?? null);
      return { id, publicId, expiresAt: at + ttlMs };
    },
    /** The session's principal, or null when unknown or expired (an expired row is deleted). */
    lookup(id: string): { principalId: string; publicId: string | null } | null {
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
      return { principalId: row.principal_id, publicId: row.public_id };
    },
    end(id: string): void {
      stmts.remove.run(hashOf(id));
    },
    /** A person's live sessions, newest first. Rows from before migration 016 have no public id. */
    listFor(principalId: string): BrowserSessionInfo[] {
      return stmts.listFor
        .all(principalId, now())
        .filter((row) => row.public_id !== null)
        .map((row) => ({
          id: row.public_id!,
          createdAt: new Date(row.created_at).toISOString(),
          lastSeenAt: new Date(row.last_seen_at).toISOString(),
          expiresAt: new Date(row.expires_at).toISOString(),
          userAgent: row.user_agent,
        }));
    },
    /** Ends one of the person's sessions by its public id; false when they have none by that id. */
    endFor(principalId: string, publicId: string): boolean {
      return stmts.endFor.run(principalId, publicId).changes > 0;
    },
    /** Ends every session of a person (disabled, password changed). */
    endAllFor(principalId: string): number {
      return stmts.endAllFor.run(principalId).changes;
    },
    prune(): number {
      return stmts.prune.run(now()).changes;
    },
  };
}
