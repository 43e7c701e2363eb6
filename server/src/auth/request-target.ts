/** RFC 3986 unreserved characters and `/`: never legitimately percent-encoded in a path. */
const MUST_NOT_BE_ENCODED = /^[A-Za-z0-9\-._~/]$/;

/**
 * Why a request target is refused (400), or null. Routing decodes the path while anything that
 * reads the raw URL does not: `/%61pi` routes to `/api`, `/a%2Fb` may mean two segments or one,
 * and an absolute-form target (`GET http://host/api`) hides the path behind a scheme. Refusing them
 * leaves one spelling per route.
 */
export function requestTargetProblem(rawUrl: string): string | null {
  if (!rawUrl.startsWith('/')) return 'absolute-form request targets are refused: send the path only (GET /api/... with a Host header)';
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  for (const match of path.matchAll(/%([0-9a-fA-F]{2})/g)) {
    const char = String.fromCharCode(parseInt(match[1]!, 16));
    if (MUST_NOT_BE_ENCODED.test(char)) return `the path must not percent-encode ${JSON.stringify(char)} (${match[0]}): write it as is`;
  }
  return null;
}
