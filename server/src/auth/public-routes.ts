import { permissionOf, type RoutePermission } from './route-permissions';

/**
 * Who may call each route, decided on the route Fastify matched (`request.routeOptions.url`),
 * never on the raw URL. Deny by default: a route not listed here needs the user's credential.
 * Keys are `METHOD url` exactly as the route is registered; HEAD follows GET.
 */

/** Reached without any credential. Documented in docs/api.md ("Public routes"). */
export const PUBLIC_ROUTES: Readonly<Record<string, string>> = {
  'GET /': 'the app shell (index.html; holds no data)',
  'GET /favicon.svg': 'the favicon',
  'GET /assets/*': "the built client's files",
  'GET /login': 'the one-time sign-in link',
  'POST /auth/login': 'the sign-in form (rate limited)',
  'POST /auth/password': 'sign-in with an email and password (rate limited)',
  'GET /auth/invite/:code': "an invite link's greeting: the invited name and email, nothing else",
  'POST /auth/invite': 'accepting an invite: sets the password and signs in (rate limited)',
  'POST /auth/logout': 'sign-out: ends the session the cookie names, if any',
  'GET /auth/options': 'which ways in the sign-in page offers (password, single sign-on)',
  'GET /auth/oidc/start': 'single sign-on: redirects to the OpenID Connect provider',
  'GET /auth/oidc/callback': "single sign-on: the provider's return; checks state, nonce and the ID token",
  'POST /hooks/*': 'webhooks; each checks its own signature',
  'GET /api/health': 'liveness: `{ ok }` only; a credential adds the version',
};

export type RouteAccess = RoutePermission;

/** Prefixes that never name an app page: an unknown path under them is an API miss, not a page. */
const NOT_PAGES = /^\/(?:api|ws|hooks|assets)(?:\/|$)/;

/**
 * A navigation to one of the app's pages (`/chat`, `/automation/...`, `/signin`): no route
 * matches, and the not-found handler answers with the app shell, which holds no data.
 */
export function isPageNavigation({ method, path }: { method: string; path: string }): boolean {
  return (method === 'GET' || method === 'HEAD') && !NOT_PAGES.test(path) && !path.includes('//') && !/\.[a-z0-9]+$/i.test(path);
}

/**
 * `url` is the matched route's pattern, or undefined when nothing matched (the not-found handler:
 * a signed-in person gets the 404, anyone else the 401). A route without a declared permission
 * cannot exist (plugins/auth.ts refuses it at start); `admin` is the safe answer regardless.
 */
export function routeAccess({ method, url, path }: { method: string; url: string | undefined; path: string }): RouteAccess {
  if (url === undefined) return isPageNavigation({ method, path }) ? 'public' : 'signed_in';
  return permissionOf(method, url) ?? 'admin';
}
