import { CreateTokenRequest, type CreateTokenResponse, ROLE_SCOPES, type SessionsResponse, type TokensResponse } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../audit/audit-log';
import { userOf } from '../auth/principal';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { ApiTokenAdmin } from './api-tokens';

const IdParams = z.object({ id: z.string().max(100) });

/** A person's own credentials: their browser sessions and personal access tokens. */
export function credentialsRoutes({ tokenAdmin }: { tokenAdmin: ApiTokenAdmin }): FastifyPluginAsync {
  return async (app) => {
    const { sessions } = app.auth;

    app.get('/api/me/sessions', async (request): Promise<SessionsResponse> => {
      const me = userOf(request.principal, 'list sessions');
      const current = me.via === 'session' ? me.credentialId : null;
      return { sessions: sessions.listFor(me.id).map((session) => ({ ...session, current: session.id === current })) };
    });

    app.delete('/api/me/sessions/:id', async (request, reply) => {
      const me = userOf(request.principal, 'end sessions');
      const { id } = parseRequest(IdParams, request.params, 'params');
      app.db.transaction(() => {
        if (!sessions.endFor(me.id, id)) throw notFound(`session ${id}`);
        app.audit.record({ actor: actorOf(me), action: 'session.revoked', target: { kind: 'session', id } });
      })();
      app.auth.changes.changed(me.id);
      return reply.code(204).send();
    });

    app.post('/api/tokens', async (request, reply): Promise<CreateTokenResponse> => {
      const me = userOf(request.principal, 'create tokens');
      // A leaked token must not be able to mint longer-lived ones.
      if (me.via === 'pat') throw new AppError(403, 'forbidden', 'a personal access token cannot create tokens: sign in or use the access token');
      const body = parseRequest(CreateTokenRequest, request.body, 'body');
      const allowed = ROLE_SCOPES[me.role];
      const beyond = body.scopes.find((scope) => !allowed.includes(scope));
      if (beyond !== undefined) {
        throw new AppError(422, 'scope_not_allowed', `scopes: the ${me.role} role does not include "${beyond}"`, { scope: beyond, allowed });
      }
      const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
      if (expiresAt !== null && expiresAt <= app.clock.now().getTime()) throw new AppError(422, 'validation_failed', 'expiresAt: must be in the future');
      const scopes = [...new Set(body.scopes)];
      const created = app.db.transaction(() => {
        const token = tokenAdmin.create({ userId: me.id, name: body.name, scopes, expiresAt });
        app.audit.record({
          actor: actorOf(me),
          action: 'token.created',
          target: { kind: 'token', id: token.id },
          details: { name: body.name, scopes, expiresAt: body.expiresAt ?? null },
        });
        return token;
      })();
      reply.code(201);
      return created;
    });

    app.get('/api/tokens', async (request): Promise<TokensResponse> => {
      const me = userOf(request.principal, 'list tokens');
      return { tokens: tokenAdmin.listFor(me.id) };
    });

    app.delete('/api/tokens/:id', async (request, reply) => {
      const me = userOf(request.principal, 'revoke tokens');
      const { id } = parseRequest(IdParams, request.params, 'params');
      app.db.transaction(() => {
        if (!tokenAdmin.revoke(me.id, id)) throw notFound(`token ${id}`);
        app.audit.record({ actor: actorOf(me), action: 'token.revoked', target: { kind: 'token', id } });
      })();
      app.auth.changes.changed(me.id);
      return reply.code(204).send();
    });
  };
}
