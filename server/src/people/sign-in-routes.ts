import { AcceptInviteRequest, type InviteInfo, PasswordSignInRequest } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { startSession } from '../auth/session-cookie';
import { signInAddress } from '../auth/sign-in-guard';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import { hashPassword, verifyPassword } from './passwords';
import type { SignInAudit } from './sign-in-audit';
import type { InviteLookup, UserAccounts } from './user-accounts';
import type { UserRow } from './users-store';

const inviteProblem = (lookup: InviteLookup): AppError | null => {
  if (lookup.state === 'unknown') return new AppError(404, 'not_found', 'this invite link is unknown or has already been used');
  if (lookup.state === 'expired') return new AppError(410, 'invite_expired', 'this invite link has expired (links work for 7 days): ask for a new one');
  return null;
};

/**
 * Signing in with an email and password, and accepting an invite (which sets the password and
 * signs in). Both share the sign-in rate limit and start the same session cookie as /auth/login.
 */
export function signInRoutes({ accounts, signInAudit }: { accounts: UserAccounts; signInAudit: SignInAudit }): FastifyPluginAsync {
  return async (app) => {
    const { users, signInLimiter } = app.auth;

    app.post('/auth/password', async (request, reply) => {
      const address = signInAddress({ auth: app.auth, request, reply });
      const body = parseRequest(PasswordSignInRequest, request.body, 'body');
      const email = body.email.trim();
      const user = users.byEmail(email);
      // Always one scrypt, so an unknown email answers as slowly as a wrong password.
      const matches = await verifyPassword(body.password, user?.password_hash ?? null);
      if (!user || !matches || user.disabled_at !== null) {
        signInLimiter.fail(address);
        app.db.transaction(() => signInAudit.failed({ method: 'password', email, userId: user?.id ?? null }))();
        throw new AppError(401, 'unauthorized', 'that email and password do not match an active account');
      }
      signInLimiter.succeed(address);
      app.db.transaction(() => {
        signInAudit.signedIn(user, 'password');
        startSession({ auth: app.auth, request, reply, principalId: user.id });
      })();
      return reply.code(204).send();
    });

    app.get('/auth/invite/:code', async (request): Promise<InviteInfo> => {
      const { code } = parseRequest(z.object({ code: z.string().max(200) }), request.params, 'params');
      const lookup = accounts.lookupInvite(code);
      const problem = inviteProblem(lookup);
      if (problem || lookup.state !== 'valid') throw problem;
      return { name: lookup.user.name, email: lookup.user.email };
    });

    app.post('/auth/invite', async (request, reply) => {
      const address = signInAddress({ auth: app.auth, request, reply });
      const body = parseRequest(AcceptInviteRequest, request.body, 'body');
      const before = accounts.lookupInvite(body.code);
      if (before.state !== 'valid') {
        signInLimiter.fail(address);
        throw inviteProblem(before);
      }
      const passwordHash = await hashPassword(body.password);
      // Looked up again inside the transaction: two tabs accepting at once get one account.
      const user = app.db.transaction((): UserRow => {
        const lookup = accounts.lookupInvite(body.code);
        if (lookup.state !== 'valid' || !accounts.useInvite(body.code)) throw inviteProblem(lookup) ?? inviteProblem({ state: 'unknown' });
        accounts.setPassword(lookup.user.id, passwordHash);
        const actor = { kind: 'user' as const, id: lookup.user.id, name: lookup.user.name };
        app.audit.record({ actor, action: 'user.activated', target: { kind: 'user', id: lookup.user.id }, details: { role: lookup.user.role } });
        signInAudit.signedIn(lookup.user, 'invite');
        startSession({ auth: app.auth, request, reply, principalId: lookup.user.id });
        return lookup.user;
      })();
      signInLimiter.succeed(address);
      request.log.info({ userId: user.id }, 'invite accepted');
      return reply.code(204).send();
    });
  };
}
