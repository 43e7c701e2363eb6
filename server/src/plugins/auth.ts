import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createBrowserSessions, type BrowserSessions } from '../auth/browser-sessions';
import { createCredentialChanges, type CredentialChanges } from '../auth/credential-changes';
import { createHostPolicy, type HostPolicy } from '../auth/host-origin';
import { effectiveScopes, Role, SCOPE_MEANING, type Scope } from '@weft/shared';
import type { Principal, UserPrincipal } from '../auth/principal';
import { createProxyTrust, type ProxyTrust } from '../auth/proxy-trust';
import { routeAccess } from '../auth/public-routes';
import { permissionOf, scopeNeeded } from '../auth/route-permissions';
import { createApiTokens, type ApiTokens } from '../people/api-tokens';
import { createUsersStore, OWNER_ID, type UserRow, type UsersStore } from '../people/users-store';
import { requestTargetProblem } from '../auth/request-target';
import { createSignInLimiter, type SignInLimiter } from '../auth/sign-in-limiter';
import { createSignInLinks, displayOrigin, signInLinkUrl, type SignInLinks } from '../auth/sign-in-links';
import { loadOrCreateToken, RUNNER_TOKEN_FILE, safeEqual } from '../auth/token-store';
import { AppError } from '../http/errors';

declare module 'fastify' {
  interface FastifyInstance {
    auth: {
      /** The user's access token (WEFT_TOKEN or `<data dir>/token`). */
      token: string;
      /** The runners' credential (WEFT_RUNNER_TOKEN or `<data dir>/runner-token`). */
      runnerToken: string;
      /** The owner's one-time sign-in links, in the database so `pnpm weft sign-in-link` can issue them too. */
      signInLinks: SignInLinks;
      hostPolicy: HostPolicy;
      sessions: BrowserSessions;
      users: UsersStore;
      apiTokens: ApiTokens;
      signInLimiter: SignInLimiter;
      proxyTrust: ProxyTrust;
      /** Every route registered after this plugin, as Fastify reported it (`onRoute`). */
      routes: { method: string; url: string; websocket: boolean }[];
      /** The URL to print at start: signs one browser in once. */
      loginUrl(): string;
      /** What the request presented (null: nothing), to keep and resolve again later (the browser socket). */
      credentialOf(request: FastifyRequest): Credential | null;
      /** Who a credential stands for now: null when it has ended or its person is gone or disabled. */
      resolve(credential: Credential): Principal | null;
      /** Tells this server's browser sockets that a person's access changed (auth/credential-changes.ts). */
      changes: CredentialChanges;
    };
  }
}

/** Holds a random session id (see browser-sessions.ts), never a token. */
export const SESSION_COOKIE = 'weft_session';
/** The owner's id: the access token signs them in (people/users-store.ts). */
export const OWNER = { id: OWNER_ID } as const;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Presented = { principal: Principal | null; presented: boolean };

/** A presented credential: a Bearer token (null when the header is malformed) or a session cookie's id. */
export type Credential = { kind: 'bearer'; token: string | null } | { kind: 'session'; id: string };

export default fp(
  async (app) => {
    const { clock } = app;
    const { dataDir } = app.config;
    const token = loadOrCreateToken({ dataDir, fixedToken: app.config.fixedToken });
    const runnerToken = loadOrCreateToken({ dataDir, fixedToken: app.config.fixedRunnerToken, file: RUNNER_TOKEN_FILE });
    if (runnerToken === token) throw new Error(`the runner token in ${RUNNER_TOKEN_FILE} equals the access token: delete one of the files`);
    const { metricsToken } = app.config;
    if (metricsToken !== undefined && (metricsToken === token || metricsToken === runnerToken)) {
      throw new Error('WEFT_METRICS_TOKEN equals the access token or the runner token: give the scraper its own');
    }
    const signInLinks = createSignInLinks({ db: app.db, clock });
    const sessions = createBrowserSessions({ db: app.db, clock, ttlMs: app.config.sessionTtlMs });
    // Asked on every request; `server.address()` is a getsockname call each time, and the bound
    // port does not change once the server listens.
    let boundPort: number | undefined;
    const port = () => {
      if (boundPort !== undefined) return boundPort;
      const address = app.server.address();
      if (typeof address === 'object' && address) boundPort = address.port;
      return boundPort ?? app.config.port;
    };
    const hostPolicy = createHostPolicy({ extraHosts: app.config.extraAllowedHosts, port });
    const origin = () => displayOrigin({ host: app.config.host, port: port() });
    const users = createUsersStore({ db: app.db, clock });
    const apiTokens = createApiTokens({ db: app.db, clock });
    const routes: { method: string; url: string; websocket: boolean }[] = [];
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // Every route says what it needs (auth/route-permissions.ts); an undeclared one never serves.
        if (method !== 'HEAD' && method !== 'OPTIONS' && permissionOf(method, route.url) === undefined) {
          throw new Error(`route ${method} ${route.url} has no entry in server/src/auth/route-permissions.ts`);
        }
        routes.push({ method, url: route.url, websocket: route.websocket === true });
      }
    });
    /** A person's principal, or null when they are gone or disabled (their credentials stop at once). */
    const personPrincipal = (row: UserRow | undefined, via: UserPrincipal['via'], credentialId: string | null, tokenScopes?: Scope[]): UserPrincipal | null => {
      if (row === undefined || row.disabled_at !== null) return null;
      const role = Role.parse(row.role);
      return { type: 'user', id: row.id, name: row.name, role, scopes: effectiveScopes(role, tokenScopes), via, credentialId };
    };

    /** Bearer header first (access, runner or personal token), else the session cookie. */
    const credentialOf = (request: FastifyRequest): Credential | null => {
      const header = request.headers.authorization;
      if (header !== undefined) return { kind: 'bearer', token: /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null };
      const sessionId = request.cookies?.[SESSION_COOKIE];
      return sessionId === undefined ? null : { kind: 'session', id: sessionId };
    };

    const resolve = (credential: Credential): Principal | null => {
      if (credential.kind === 'session') {
        const session = sessions.lookup(credential.id);
        return session ? personPrincipal(users.get(session.principalId), 'session', session.publicId) : null;
      }
      const presented = credential.token;
      if (presented === null) return null;
      const isUser = safeEqual(presented, token);
      const isRunner = safeEqual(presented, runnerToken);
      const isScraper = metricsToken !== undefined && safeEqual(presented, metricsToken);
      // The access token is the owner's recovery: it works even if the owner row was disabled.
      if (isUser) {
        const owner = users.get(OWNER_ID);
        return personPrincipal(owner && { ...owner, disabled_at: null }, 'token', null);
      }
      if (isRunner) return { type: 'runner' };
      if (isScraper) return { type: 'metrics' };
      const pat = apiTokens.resolve(presented);
      return pat === null ? null : personPrincipal(users.get(pat.userId), 'pat', pat.id, pat.scopes);
    };

    const authenticate = (request: FastifyRequest): Presented => {
      const credential = credentialOf(request);
      return credential === null ? { principal: null, presented: false } : { principal: resolve(credential), presented: true };
    };

    app.decorate('auth', {
      token,
      runnerToken,
      signInLinks,
      hostPolicy,
      sessions,
      users,
      apiTokens,
      signInLimiter: createSignInLimiter({ clock }),
      proxyTrust: createProxyTrust(app.config.trustedProxies),
      routes,
      loginUrl: () => signInLinkUrl({ origin: origin(), code: signInLinks.issue(OWNER_ID) }),
      credentialOf,
      resolve,
      changes: createCredentialChanges(),
    });
    app.addHook('onReady', async () => {
      sessions.prune();
    });

    app.decorateRequest('principal', null);
    /** Who is calling and whether they may: throws AppError (400/401/403) when not. */
    const admit = (request: FastifyRequest): void => {
      const problem = requestTargetProblem(request.raw.url ?? '');
      if (problem) throw new AppError(400, 'bad_request_target', problem);
      if (!hostPolicy.isAllowedHost(request.headers.host)) {
        throw new AppError(403, 'forbidden_host', `Host ${JSON.stringify(request.headers.host ?? '')} is not allowed (set WEFT_ALLOWED_HOSTS)`);
      }
      const path = request.url.split('?')[0]!;
      const url = request.routeOptions.url;
      const isHook = url === '/hooks/*';
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

      const access = routeAccess({ method: request.method, url, path });
      const { principal, presented } = authenticate(request);
      request.principal = principal;
      if (principal?.type === 'runner' && access !== 'runner' && !access.startsWith('user_or_runner:')) {
        throw new AppError(
          403,
          'wrong_credential',
          "the runner credential is accepted only on /ws/runner and the runner's /api/tools routes (call, ask, git-credential)",
        );
      }
      if (principal?.type === 'metrics' && !access.startsWith('user_or_metrics:')) {
        throw new AppError(403, 'wrong_credential', 'the metrics credential (WEFT_METRICS_TOKEN) is accepted only on GET /metrics');
      }
      if (access === 'public') return;
      if (principal === null) {
        throw new AppError(
          401,
          'unauthorized',
          presented
            ? 'the credential is invalid or its session has ended: sign in again'
            : 'a credential is required (Authorization: Bearer <token>, or sign in through the login URL)',
        );
      }
      if (access === 'runner' && principal.type !== 'runner') {
        throw new AppError(
          403,
          'wrong_credential',
          `${path} accepts only the runner credential (WEFT_RUNNER_TOKEN or <data dir>/runner-token), not the access token`,
        );
      }
      if (principal.type !== 'user') return;
      const scope = scopeNeeded(access);
      if (scope !== null && !principal.scopes.includes(scope)) {
        throw new AppError(
          403,
          'forbidden',
          `this needs the "${scope}" permission (${SCOPE_MEANING[scope]}); ${
            principal.via === 'pat' ? 'this token does not carry it' : `the ${principal.role} role does not include it`
          }`,
          { missing: scope, role: principal.role },
        );
      }
    };
    // Callback hooks, not async ones: no promise per request on the hot path.
    app.addHook('onRequest', (request, _reply, done) => {
      try {
        admit(request);
      } catch (err) {
        done(err as Error);
        return;
      }
      done();
    });

    // A refused WebSocket upgrade leaves a socket the HTTP server no longer tracks: end it, or
    // it lingers and keeps shutdown waiting.
    app.addHook('onResponse', (request, reply, done) => {
      if (request.headers.upgrade?.toLowerCase() === 'websocket' && reply.statusCode !== 101) request.raw.socket?.destroy();
      done();
    });
  },
  { name: 'weft-auth', dependencies: ['weft-config', 'weft-db', 'weft-clock', '@fastify/cookie'] },
);
