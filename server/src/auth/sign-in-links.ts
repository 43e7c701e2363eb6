import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/open';
import type { Clock } from '../clock';

/** How long a printed link stays good when nobody follows it. */
export const SIGN_IN_LINK_TTL_MS = 24 * 60 * 60 * 1000;

const hashOf = (code: string) => createHash('sha256').update(code).digest('hex');

export type SignInLinks = ReturnType<typeof createSignInLinks>;

/**
 * One-time sign-in codes for the owner (the printed link): only the code's SHA-256 is stored, in
 * the database rather than in memory, so that `pnpm weft sign-in-link` (another process) can issue
 * a link the running server accepts, and a link survives a restart.
 */
export function createSignInLinks({ db, clock, ttlMs = SIGN_IN_LINK_TTL_MS }: { db: Db; clock: Clock; ttlMs?: number }) {
  const insert = db.prepare('INSERT INTO sign_in_links (code_hash, principal_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  // DELETE ... RETURNING: two browsers following one link at once get one sign-in between them.
  const take = db.prepare<[string, string, number], { principal_id: string }>(
    'DELETE FROM sign_in_links WHERE code_hash = ? AND principal_id = ? AND expires_at > ? RETURNING principal_id',
  );
  const prune = db.prepare('DELETE FROM sign_in_links WHERE expires_at <= ?');
  const revoke = db.prepare('DELETE FROM sign_in_links WHERE principal_id = ?');
  const now = () => clock.now().getTime();
  return {
    /**
     * A fresh code signing `principalId` in once; returned once, for the link. It replaces any
     * earlier unused link of theirs: only the newest printed link works, so links left in old logs
     * (one per start) do not pile up as ways in.
     */
    issue(principalId: string): string {
      const at = now();
      prune.run(at);
      revoke.run(principalId);
      const code = randomBytes(18).toString('base64url');
      insert.run(hashOf(code), principalId, at, at + ttlMs);
      return code;
    },
    /** True once for a valid code (it is used up); false for unknown, used or expired ones. */
    consume(code: string, principalId: string): boolean {
      if (code.length === 0 || code.length > 200) return false;
      return take.get(hashOf(code), principalId, now()) !== undefined;
    },
  };
}

/** `http://host:port` as people on this machine reach the server: a wildcard address becomes loopback. */
export function displayOrigin({ host, port }: { host: string; port: number }): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

export const signInLinkUrl = ({ origin, code }: { origin: string; code: string }) => `${origin}/login?code=${code}`;
