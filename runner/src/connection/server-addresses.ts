/** One server the runner may connect to: its socket and the HTTP base of the same server. */
export type ServerAddress = {
  /** `ws(s)://host[:port]/prefix/ws/runner` */
  socketUrl: string;
  /** `http(s)://host[:port]/prefix` (no trailing slash): tool calls, asks, git credentials. */
  httpUrl: string;
};

/**
 * The HTTP base of the server the runner is connected to now, waiting (bounded, ended by `signal`)
 * while it is between servers: an HTTP call must reach the server holding its socket.
 */
export type ServerUrlSource = (signal: AbortSignal) => Promise<string>;

/**
 * `WEFT_SERVER_URL`: one URL, or several separated by commas (servers sharing one database; the
 * runner fails over between them in this order). Each entry is checked on its own, so a problem
 * names the entry; empty entries (a trailing comma) are ignored; a server listed twice is an error.
 */
export function parseServerUrls(text: string): { servers: ServerAddress[]; problems: string[] } {
  const servers: ServerAddress[] = [];
  const problems: string[] = [];
  const entries = text
    .split(',')
    .map((raw) => raw.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { servers, problems: ['WEFT_SERVER_URL: names no server URL'] };
  const seen = new Map<string, string>();
  for (const entry of entries) {
    if (!/^(https?|wss?):\/\/[^/]/i.test(entry) || !URL.canParse(entry)) {
      problems.push(`WEFT_SERVER_URL: ${JSON.stringify(entry)} is not an http(s):// or ws(s):// URL`);
      continue;
    }
    const address = { socketUrl: toSocketUrl(entry), httpUrl: toHttpUrl(entry) };
    const earlier = seen.get(address.socketUrl);
    if (earlier !== undefined) {
      problems.push(`WEFT_SERVER_URL: ${JSON.stringify(entry)} names the same server as ${JSON.stringify(earlier)}`);
      continue;
    }
    seen.set(address.socketUrl, entry);
    servers.push(address);
  }
  return { servers, problems };
}

/** `ws://h:1/prefix` -> `http://h:1/prefix` (no trailing slash). */
export function toHttpUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'https:' : 'http:';
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** `http://h:1/prefix` -> `ws://h:1/prefix/ws/runner`. */
export function toSocketUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws/runner`;
  url.search = '';
  url.hash = '';
  return url.toString();
}
