import type { FastifyRequest } from 'fastify';

/** Prefixes whose answers are for programs: they keep the JSON error shape, even in a browser tab. */
const MACHINE_PREFIXES = /^\/(?:api|ws)(?:\/|$)/;

/**
 * A person's browser opening an address (typed, a link, a reload), not a script's fetch: such a
 * request gets a readable page instead of `{ "error": … }`. Browsers say so with
 * `Sec-Fetch-Mode: navigate`; without fetch metadata an `Accept` that asks for HTML is taken as one.
 */
export function isBrowserNavigation(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (MACHINE_PREFIXES.test(request.url.split('?')[0]!)) return false;
  const mode = request.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  return String(request.headers.accept ?? '').includes('text/html');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a person can do about each status, in their words (the API's message is for programs). */
function wording(status: number, message: string): { title: string; text: string; action: { href: string; label: string } } {
  const home = { href: '/', label: 'Open Weft' };
  if (status === 401) return { title: 'Sign in first', text: 'This address needs a signed-in browser.', action: { href: '/signin', label: 'Sign in' } };
  if (status === 404)
    return { title: 'Nothing here', text: 'This address is not a page of Weft. Webhook URLs are for senders (POST), not for browsers.', action: home };
  if (status === 403) return { title: 'Not allowed', text: message, action: home };
  if (status === 429) return { title: 'Too many attempts', text: message, action: home };
  if (status >= 500) return { title: 'Weft could not answer', text: 'Something went wrong on the server. Try again in a moment.', action: home };
  return { title: 'This address cannot be opened', text: message, action: home };
}

/** The error page's one inline stylesheet: the Content-Security-Policy allows it by its hash (security-headers.ts). */
export const ERROR_PAGE_STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1c2430;background:#f5f6f8;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border:1px solid #e1e5ea;border-radius:10px;padding:28px 32px;max-width:440px;margin:16px;overflow-wrap:anywhere}
h1{font-size:20px;margin:0 0 8px}a{color:#3358d4;font-weight:600}`;

/** A small self-contained HTML page for a failed navigation: a title, a sentence and one way on. */
export function errorPage({ status, message }: { status: number; message: string }): string {
  const { title, text, action } = wording(status, message);
  const sentence = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Weft</title>
<style>${ERROR_PAGE_STYLE}</style>
<main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(sentence)}</p><p><a href="${action.href}">${escapeHtml(action.label)}</a></p></main></html>`;
}
