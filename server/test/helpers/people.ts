import { randomBytes } from 'node:crypto';
import { ROLE_SCOPES, type Role, type Scope } from '@weft/shared';
import type { UserPrincipal } from '../../src/auth/principal';
import { hashToken, PAT_PREFIX } from '../../src/people/api-tokens';
import type { TestServer } from './server';

export const PASSWORD = 'correct horse battery';

/** The `weft_session=...` pair a sign-in set, for the Cookie header of later requests. */
export function cookieOf(res: { headers: Headers }): string {
  const header = res.headers.get('set-cookie');
  if (!header) throw new Error('no session cookie was set');
  return header.split(';')[0]!;
}

/** Requests as a browser holding `cookie` (no Bearer token). */
export const asCookie = (s: TestServer, cookie: string) => (method: string, path: string, body?: unknown) =>
  s.request(method, path, { token: null, headers: { cookie }, ...(body === undefined ? {} : { body }) });

/** Invites someone as the owner (access token) and returns their id and the invite code. */
export async function invite(s: TestServer, { name, email, role }: { name: string; email: string; role: string }) {
  const res = await s.request('POST', '/api/users', { body: { name, email, role } });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${JSON.stringify(res.body)}`);
  const code = String(res.body.inviteUrl).split('/invite/')[1]!;
  return { id: res.body.user.id as string, code, inviteUrl: res.body.inviteUrl as string };
}

/** Invites and accepts: a person with a password and a signed-in cookie. */
export async function addPerson(s: TestServer, person: { name: string; email: string; role: string }) {
  const { id, code } = await invite(s, person);
  const res = await s.request('POST', '/auth/invite', { token: null, body: { code, password: PASSWORD } });
  if (res.status !== 204) throw new Error(`accept failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id, cookie: cookieOf(res) };
}

export function auditActions(s: TestServer): { action: string; target_id: string | null; details: string; actor_id: string | null }[] {
  return s.app.db.prepare('SELECT action, target_id, details, actor_id FROM audit_log ORDER BY id').all() as never;
}

/**
 * A person with `role` written straight into SQLite, signed in by a personal token carrying
 * `scopes` (default: all the role's): quicker than an invite when the test is about what they may do.
 */
export function addPersonWithToken(s: TestServer, role: Role, scopes: readonly Scope[] = ROLE_SCOPES[role]): { id: string; token: string } {
  const id = `usr_${role}_${randomBytes(4).toString('hex')}`;
  const at = Date.now();
  s.app.db
    .prepare('INSERT INTO users (id, name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, `${role} person`, `${id}@example.test`, role, at, at);
  const token = `${PAT_PREFIX}${randomBytes(24).toString('base64url')}`;
  s.app.db
    .prepare('INSERT INTO api_tokens (id, user_id, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(`tok_${id}`, id, 'test', JSON.stringify(scopes), hashToken(token), at);
  return { id, token };
}

/** A signed-in person as the server sees them (a personal access token), for unit checks of access rules. */
export const principalAs = (id: string, role: UserPrincipal['role'], scopes: UserPrincipal['scopes']): UserPrincipal => ({
  type: 'user',
  id,
  name: id,
  role,
  scopes,
  via: 'pat',
  credentialId: null,
});
