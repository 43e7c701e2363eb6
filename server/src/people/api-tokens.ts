import { createHash, randomBytes } from 'node:crypto';
import { Scope } from '@weft/shared';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Db } from '../db/open';

/** Personal access tokens start with this, so a leaked one is recognisable (secret scanners). */
export const PAT_PREFIX = 'weft_pat_';

type TokenRow = { id: string; user_id: string; name: string; scopes: string; created_at: number; last_used_at: number | null; expires_at: number | null };

/** last_used_at is a hint for people: written at most once a minute. */
const USED_RESOLUTION_MS = 60_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export type ApiTokens = ReturnType<typeof createApiTokens>;

/** Resolving a presented personal access token; only its SHA-256 is stored. */
export function createApiTokens({ db, clock }: { db: Db; clock: Clock }) {
  const stmts = {
    byHash: db.prepare<[string], TokenRow>('SELECT id, user_id, name, scopes, created_at, last_used_at, expires_at FROM api_tokens WHERE token_hash = ?'),
    used: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
  };
  return {
    /** The token's person and scopes, or null when unknown or expired. */
    resolve(token: string): { id: string; userId: string; scopes: Scope[] } | null {
      if (!token.startsWith(PAT_PREFIX) || token.length > 200) return null;
      const row = stmts.byHash.get(hashToken(token));
      if (!row) return null;
      const at = clock.now().getTime();
      if (row.expires_at !== null && row.expires_at <= at) return null;
      if (row.last_used_at === null || at - row.last_used_at >= USED_RESOLUTION_MS) stmts.used.run(at, row.id);
      return { id: row.id, userId: row.user_id, scopes: z.array(Scope).parse(JSON.parse(row.scopes)) };
    },
  };
}

type TokenInfo = { id: string; name: string; scopes: Scope[]; createdAt: string; lastUsedAt: string | null; expiresAt: string | null };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export type ApiTokenAdmin = ReturnType<typeof createApiTokenAdmin>;

/** Issuing, listing and revoking a person's personal access tokens. */
export function createApiTokenAdmin({ db, clock }: { db: Db; clock: Clock }) {
  const stmts = {
    insert: db.prepare('INSERT INTO api_tokens (id, user_id, name, scopes, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    listFor: db.prepare<[string], TokenRow>(
      'SELECT id, user_id, name, scopes, created_at, last_used_at, expires_at FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id',
    ),
    revoke: db.prepare('DELETE FROM api_tokens WHERE user_id = ? AND id = ?'),
    revokeAllFor: db.prepare('DELETE FROM api_tokens WHERE user_id = ?'),
  };
  return {
    /** A new token; its value is returned once and only its hash is kept. */
    create({ userId, name, scopes, expiresAt }: { userId: string; name: string; scopes: Scope[]; expiresAt: number | null }): { id: string; token: string } {
      const id = `pat_${randomBytes(9).toString('base64url')}`;
      const token = `${PAT_PREFIX}${randomBytes(32).toString('base64url')}`;
      stmts.insert.run(id, userId, name, JSON.stringify(scopes), hashToken(token), clock.now().getTime(), expiresAt);
      return { id, token };
    },
    listFor(userId: string): TokenInfo[] {
      return stmts.listFor.all(userId).map((row) => ({
        id: row.id,
        name: row.name,
        scopes: z.array(Scope).parse(JSON.parse(row.scopes)),
        createdAt: new Date(row.created_at).toISOString(),
        lastUsedAt: iso(row.last_used_at),
        expiresAt: iso(row.expires_at),
      }));
    },
    revoke: (userId: string, id: string): boolean => stmts.revoke.run(userId, id).changes > 0,
    revokeAllFor: (userId: string): number => stmts.revokeAllFor.run(userId).changes,
  };
}
