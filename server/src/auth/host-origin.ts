/** Host/Origin allowlist: the defence against DNS rebinding and cross-site requests to a local server. */
export type HostPolicy = { isAllowedHost(hostHeader: string | undefined): boolean; isAllowedOrigin(origin: string): boolean };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function splitHost(value: string): { name: string; port: string | undefined } | undefined {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  return { name: m[1]!, port: m[2] };
}

/**
 * Default names must come with the server's own port (or none); entries of WEFT_ALLOWED_HOSTS
 * without a port match any port, since a reverse proxy may present another one.
 */
export function createHostPolicy({ extraHosts, port }: { extraHosts: string[]; port: () => number }): HostPolicy {
  const extras = extraHosts.map(splitHost).filter((h): h is NonNullable<typeof h> => h !== undefined);
  const isAllowedHost = (hostHeader: string | undefined) => {
    if (!hostHeader) return false;
    const h = splitHost(hostHeader);
    if (!h) return false;
    if (LOOPBACK_NAMES.includes(h.name) && (h.port === undefined || Number(h.port) === port())) return true;
    return extras.some((e) => e.name === h.name && (e.port === undefined || e.port === h.port));
  };
  const isAllowedOrigin = (origin: string) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return isAllowedHost(url.host);
  };
  return { isAllowedHost, isAllowedOrigin };
}
