import { vi } from 'vitest';

export type RecordedRequest = { method: string; path: string; body: unknown };
export type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
}

/** `GET /api/me` for `person` (default: the owner), with the scopes of their role unless given. */
export const signedInAs =
  ({
    id = 'owner',
    name = 'owner',
    role = 'owner',
    scopes = ['read', 'run', 'write', 'approve', 'admin'],
  }: {
    id?: string;
    name?: string;
    role?: string;
    scopes?: string[];
  } = {}) =>
  () =>
    json(200, { type: 'user', id, name, email: null, role, scopes, via: 'session', setupRequired: false, ssoLinked: false });

/** `GET /api/me` for a signed-in browser: the auth gate's probe. */
export const signedIn = signedInAs();

export const unauthorized = () => json(401, { error: { code: 'unauthorized', message: 'access token required' } });
export const notFound = (path: string) => json(404, { error: { code: 'not_found', message: `no route for GET ${path}` } });

/**
 * Replaces `fetch` with a router over `METHOD /path` keys (query strings
 * included when the key has one). Unmatched requests get a 404 in the
 * server's error shape, like routes that do not exist yet.
 */
export function mockFetch(routes: Record<string, Handler | Response>) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://weft.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const request = { method, path: url.pathname + url.search, body };
    requests.push(request);
    const handler = routes[`${method} ${url.pathname}${url.search}`] ?? routes[`${method} ${url.pathname}`];
    if (handler === undefined) return notFound(url.pathname);
    return typeof handler === 'function' ? handler(request) : handler.clone();
  });
  vi.stubGlobal('fetch', fetchMock);
  return { requests, fetchMock };
}
