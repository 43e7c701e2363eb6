import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../plugins/auth';

/**
 * Starts a browser session for `principalId` and sets its cookie: a random id, HttpOnly,
 * SameSite=Strict, Secure over HTTPS. Every way in (link, access token, password, invite, single
 * sign-on) ends here. Synchronous, so it can run inside the transaction that records the sign-in.
 */
export function startSession({
  auth,
  request,
  reply,
  principalId,
}: {
  auth: FastifyInstance['auth'];
  request: FastifyRequest;
  reply: FastifyReply;
  principalId: string;
}): { publicId: string } {
  const session = auth.sessions.create(principalId, request.headers['user-agent'] ?? null);
  reply.setCookie(SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: auth.proxyTrust.isHttps(request.raw),
    maxAge: Math.floor(auth.sessions.ttlMs / 1000),
  });
  return { publicId: session.publicId };
}
