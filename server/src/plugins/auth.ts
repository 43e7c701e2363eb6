import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { createHostPolicy, type HostPolicy } from '../auth/host-origin';
import { LoginCodes, loadOrCreateToken, safeEqual } from '../auth/token-store';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import '../auth/principal';

declare module 'fastify' {
  interface FastifyInstance {
    auth: {
      token: string;
      loginCodes: LoginCodes;
      hostPolicy: HostPolicy;
      /** The URL to print at start: signs one browser in once. */
      loginUrl(): string;
    };
  }
}

export const COOKIE_NAME = 'weft_token';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Paths callers reach without the token: the SPA shell, sign-in, and webhooks (which have their own signatures). */
function needsToken(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/ws');
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  return request.cookies?.[COOKIE_NAME];
}

export default fp(
  async (app) => {
    const token = loadOrCreateToken({ dataDir: app.config.dataDir, fixedToken: app.config.fixedToken });
    const loginCodes = new LoginCodes();
    const hostPolicy = createHostPolicy({
      extraHosts: app.config.extraAllowedHosts,
      port: () => {
        const address = app.server.address();
        return typeof address === 'object' && address ? address.port : app.config.port;
      },
    });
    const displayHost = () => {
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : app.config.port;
      const host = app.config.host === '0.0.0.0' || app.config.host === '::' ? '127.0.0.1' : app.config.host;
      return `${host.includes(':') ? `[${host}]` : host}:${port}`;
    };
    app.decorate('auth', {
      token,
      loginCodes,
      hostPolicy,
      loginUrl: () => `http://${displayHost()}/login?code=${loginCodes.issue()}`,
    });

    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      if (!hostPolicy.isAllowedHost(request.headers.host)) {
        throw new AppError(403, 'forbidden_host', `Host ${JSON.stringify(request.headers.host ?? '')} is not allowed (set WEFT_ALLOWED_HOSTS)`);
      }
      const isHook = request.url.startsWith('/hooks/');
      const isUpgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
      if (!isHook && (STATE_CHANGING.has(request.method) || isUpgrade)) {
        const origin = request.headers.origin;
        if (origin !== undefined && !hostPolicy.isAllowedOrigin(origin)) {
          throw new AppError(403, 'forbidden_origin', `cross-origin request from ${JSON.stringify(origin)} refused`);
        }
        if (origin === undefined && request.headers['sec-fetch-site'] === 'cross-site') {
          throw new AppError(403, 'forbidden_origin', 'cross-site request refused');
        }
      }
      if (needsToken(request.url)) {
        const presented = presentedToken(request);
        if (!presented || !safeEqual(presented, token)) {
          throw new AppError(401, 'unauthorized', presented ? 'access token is invalid' : 'access token required (Authorization: Bearer <token> or sign in through the login URL)');
        }
        request.principal = { type: 'user', id: 'owner', name: 'owner', via: request.headers.authorization ? 'token' : 'session' };
      }
    });

    // A refused WebSocket upgrade leaves a socket the HTTP server no longer tracks: end it, or
    // it lingers and keeps shutdown waiting.
    app.addHook('onResponse', async (request, reply) => {
      if (request.headers.upgrade?.toLowerCase() === 'websocket' && reply.statusCode !== 101) request.raw.socket?.destroy();
    });

    const setCookie = (reply: FastifyReply) =>
      reply.setCookie(COOKIE_NAME, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: false, maxAge: 60 * 60 * 24 * 365 });

    app.get('/login', async (request, reply) => {
      const q = parseRequest(z.object({ code: z.string().max(200).optional(), token: z.string().max(500).optional() }), request.query, 'query');
      const ok = (q.code !== undefined && loginCodes.consume(q.code)) || (q.token !== undefined && safeEqual(q.token, token));
      if (!ok) return reply.redirect('/signin?reason=link', 303);
      setCookie(reply);
      return reply.redirect('/', 303);
    });

    app.post('/auth/login', async (request, reply) => {
      const body = parseRequest(z.object({ token: z.string().min(1).max(500) }), request.body, 'body');
      if (!safeEqual(body.token, token)) throw new AppError(401, 'unauthorized', 'access token is invalid');
      setCookie(reply);
      return reply.code(204).send();
    });

    app.post('/auth/logout', async (_request, reply) => {
      reply.clearCookie(COOKIE_NAME, { path: '/' });
      return reply.code(204).send();
    });
  },
  { name: 'weft-auth', dependencies: ['weft-config', '@fastify/cookie'] },
);
