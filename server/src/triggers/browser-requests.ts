type Headers = Record<string, string | string[] | undefined>;

/**
 * Why a request looks like a browser's call from another site, or null. Servers that send
 * webhooks send neither header; a browser sends `Sec-Fetch-Site` (modern ones) and, on a POST,
 * `Origin`. The server's own origin is the Host the request was sent to (already checked by the
 * auth plugin's Host allowlist).
 */
export function crossSiteReason(headers: Headers): string | null {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site') return 'Sec-Fetch-Site: cross-site';
  const origin = headers.origin;
  if (origin === undefined) return null;
  if (typeof origin !== 'string') return 'Origin: more than one';
  const foreign = `Origin: ${origin.slice(0, 100)}`;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return foreign;
    // Parsed the same way, so a default port written out (`:80`) compares equal.
    const own = typeof headers.host === 'string' ? new URL(`${url.protocol}//${headers.host}`).host : null;
    return url.host === own ? null : foreign;
  } catch {
    // Includes `Origin: null` (sandboxed frames, data: URLs, some redirects).
    return foreign;
  }
}
