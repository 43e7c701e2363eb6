import { createHash } from 'node:crypto';
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
