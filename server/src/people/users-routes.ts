import { InviteUserRequest, type InviteUserResponse, type Role, SetupRequest, UpdateUserRequest, type UserResponse, type UsersResponse } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../audit/audit-log';
import { userOf, type UserPrincipal } from '../auth/principal';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { ApiTokenAdmin } from './api-tokens';
import { hashPassword } from './passwords';
import type { UserAccounts } from './user-accounts';
import { OWNER_ID, userView } from './users-store';

const emailTaken = (email: string) => new AppError(409, 'email_taken', `email: ${email} already belongs to someone here`, { field: 'email' });

/** Only an owner makes or changes owners: an admin can do everything else, but not take the house. */
function refuseOwnerChange(actor: UserPrincipal, { targetRole, newRole }: { targetRole?: Role; newRole?: Role }) {
  if (actor.role === 'owner') return;
  if (newRole === 'owner') throw new AppError(403, 'forbidden', 'only an owner may make someone an owner');
  if (targetRole === 'owner') throw new AppError(403, 'forbidden', 'only an owner may change an owner');
}

/** The origin the browser used, for links it will open (the Host header was checked by the auth plugin). */
const originOf = (request: FastifyRequest, isHttps: boolean) => `${isHttps ? 'https' : 'http'}://${request.headers.host ?? '127.0.0.1'}`;

/**
 * People, for admins: list, invite, change role, disable. And the owner's first-start setup.
 * Every change and its audit entry commit in one transaction.
 */
export function usersRoutes({ accounts, tokenAdmin }: { accounts: UserAccounts; tokenAdmin: ApiTokenAdmin }): FastifyPluginAsync {
  return async (app) => {
    const { users, sessions } = app.auth;

    app.get('/api/users', async (): Promise<UsersResponse> => ({ users: users.list().map(userView) }));

    app.post('/api/users', async (request, reply): Promise<InviteUserResponse> => {
      const actor = userOf(request.principal, 'invite people');
      const body = parseRequest(InviteUserRequest, request.body, 'body');
      refuseOwnerChange(actor, { newRole: body.role });
      const { user, code } = app.db.transaction(() => {
        if (accounts.emailTaken(body.email)) throw emailTaken(body.email);
        const invited = accounts.invite(body);
        app.audit.record({
          actor: actorOf(actor),
          action: 'user.invited',
          target: { kind: 'user', id: invited.user.id },
          details: { name: body.name, email: body.email, role: body.role },
        });
        return invited;
      })();
      reply.code(201);
      return { user: userView(user), inviteUrl: `${originOf(request, app.auth.proxyTrust.isHttps(request.raw))}/invite/${code}` };
    });

    app.patch('/api/users/:id', async (request): Promise<UserResponse> => {
      const actor = userOf(request.principal, 'change people');
      const { id } = parseRequest(z.object({ id: z.string().max(100) }), request.params, 'params');
      const body = parseRequest(UpdateUserRequest, request.body, 'body');
      const updated = app.db.transaction(() => {
        const before = users.get(id);
        if (!before) throw notFound(`user ${id}`);
        refuseOwnerChange(actor, { targetRole: before.role as Role, ...(body.role ? { newRole: body.role } : {}) });
        const after = accounts.update(id, body);
        if (before.role === 'owner' && before.disabled_at === null && accounts.enabledOwnerCount() === 0) {
          throw new AppError(409, 'last_owner', 'this would leave no enabled owner: make someone else an owner first');
        }
        // Disabling ends everything they hold at once; a lowered role cuts their tokens on the next request.
        if (body.disabled === true && before.disabled_at === null) {
          sessions.endAllFor(id);
          tokenAdmin.revokeAllFor(id);
        }
        const view = (row: typeof before) => ({ role: row.role, disabled: row.disabled_at !== null });
        app.audit.record({
          actor: actorOf(actor),
          action: 'user.updated',
          target: { kind: 'user', id },
          details: { before: view(before), after: view(after) },
        });
        return after;
      })();
      // Their open browser sockets are re-checked now, not at the next heartbeat.
      app.auth.changes.changed(id);
      return { user: userView(updated) };
    });

    app.post('/api/me/setup', async (request, reply) => {
      const actor = userOf(request.principal, 'set up Weft');
      if (actor.id !== OWNER_ID) throw new AppError(403, 'forbidden', 'only the owner sets up Weft');
      const body = parseRequest(SetupRequest, request.body, 'body');
      const passwordHash = await hashPassword(body.password);
      app.db.transaction(() => {
        if (users.get(OWNER_ID)?.password_hash !== null) throw new AppError(409, 'already_set_up', 'the owner already has a password');
        if (accounts.emailTaken(body.email, OWNER_ID)) throw emailTaken(body.email);
        accounts.setProfile(OWNER_ID, body);
        accounts.setPassword(OWNER_ID, passwordHash);
        app.audit.record({
          actor: { kind: 'user', id: OWNER_ID, name: body.name },
          action: 'owner.set_up',
          target: { kind: 'user', id: OWNER_ID },
          details: { name: body.name, email: body.email },
        });
      })();
      return reply.code(204).send();
    });
  };
}
