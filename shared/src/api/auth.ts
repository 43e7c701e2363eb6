import { z } from 'zod';

/** `GET /api/me`: who the presented credential signs in (a person; runners are refused there). */
export const MeResponse = z.object({
  type: z.literal('user'),
  id: z.string(),
  name: z.string(),
  via: z.enum(['token', 'session']),
});
export type MeResponse = z.infer<typeof MeResponse>;

/** `GET /api/health`: `version` only for a caller with a credential. */
export const HealthResponse = z.object({ ok: z.boolean(), version: z.string().optional() });
export type HealthResponse = z.infer<typeof HealthResponse>;

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
