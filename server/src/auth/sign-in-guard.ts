import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors';

/**
 * The rate limit every sign-in form shares (access token, password, invite): the client's
 * address, or 429 `rate_limited` with Retry-After once it failed too often.
 */
export function signInAddress({ auth, request, reply }: { auth: FastifyInstance['auth']; request: FastifyRequest; reply: FastifyReply }): string {
  const address = auth.proxyTrust.clientAddress(request.raw);
  const limit = auth.signInLimiter.check(address);
  if (!limit.ok) {
    reply.header('retry-after', String(limit.retryAfterSeconds));
    throw new AppError(429, 'rate_limited', `too many failed sign-ins from this address; try again in ${limit.retryAfterSeconds} s`);
  }
  return address;
}
