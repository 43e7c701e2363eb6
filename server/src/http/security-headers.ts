import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ERROR_PAGE_STYLE } from './browser-page';

/**
 * The app's Content-Security-Policy: everything from this origin only, never framed; the one
 * inline stylesheet allowed is the server's own error page's, by its hash. Checked against the
 * built client and the error pages in headless Chromium (client/test/e2e): nothing else is needed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `style-src 'self' 'sha256-${createHash('sha256').update(ERROR_PAGE_STYLE).digest('base64')}'`,
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  // frame-ancestors for browsers that predate it; a window this app opens keeps no handle on it.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** On every answer, pages and API alike, errors included: set before anything can fail. */
export function installSecurityHeaders(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(HEADERS);
    done();
  });
}
