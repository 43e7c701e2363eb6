import { z } from 'zod';
import { Role, Scope } from './people';

/** `GET /api/me`: who the presented credential signs in (a person; runners are refused there). */
export const MeResponse = z.object({
  type: z.literal('user'),
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: Role,
  /** What this credential may do: the role's scopes, cut down to a token's own. */
  scopes: z.array(Scope),
  /** `token`: the access token; `session`: a browser sign-in; `pat`: a personal access token. */
  via: z.enum(['token', 'session', 'pat']),
  /** The owner signed in by the first-start link and has not yet chosen a name, email and password. */
  setupRequired: z.boolean(),
  /** The account is linked to a single sign-on identity (it then signs in through the provider too). */
  ssoLinked: z.boolean(),
});
export type MeResponse = z.infer<typeof MeResponse>;

/** `GET /api/health`: `version` only for a caller with a credential. */
export const HealthResponse = z.object({ ok: z.boolean(), version: z.string().optional() });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `GET /api/ready`: each check it made; 200 `{ ready: true }` only when every one is ok. */
export const ReadyChecks = z.object({
  /** Writes commit; otherwise why not and since when. */
  database: z.object({ ok: z.boolean(), reason: z.string().optional(), since: z.string().optional() }),
  /** Runners connected and heard from within a lease period (those the dispatcher gives work to). */
  runner: z.object({
    ok: z.boolean(),
    connected: z.number().int(),
    /** Several servers on PostgreSQL: runners connected to the other live servers (they run what this server queues). */
    elsewhere: z.number().int().optional(),
  }),
});
export type ReadyChecks = z.infer<typeof ReadyChecks>;
export const ReadyResponse = z.object({ ready: z.literal(true), version: z.string(), checks: ReadyChecks });
export type ReadyResponse = z.infer<typeof ReadyResponse>;

/** Where sign-in lands when nothing else was asked for. */
export const DEFAULT_RETURN_PATH = '/chat';

/**
 * A `next` target after sign-in, or null: only a path on this origin (`/automation/x?y`), never a
 * URL, a scheme-relative `//host` or a backslash trick, so the login link cannot be an open redirect.
 */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000 || !value.startsWith('/')) return null;
  // Browsers read `\` as `/` and drop tabs and newlines: `/\host` and `/\t/host` are `//host`.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) return null;
  return value;
}
