import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import net from 'node:net';
import type { Agent, buildConnector, fetch, Response } from 'undici';
import { checkAddress, type AddressPolicy, type AddressRefusal } from './address-policy';

/** fetch's own limit, kept now that redirects are followed here. */
export const MAX_REDIRECTS = 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** The headers of a request that still go along when a redirect leads to another origin. */
const CROSS_ORIGIN_SAFE_HEADERS = new Set(['accept', 'accept-language', 'user-agent']);
/** Headers that describe a body, dropped with it (fetch's request-body-header names). */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
  readonly code = 'http_address_refused';
  constructor(readonly refusal: AddressRefusal) {
    super(refusal.message);
  }
}

/** A redirect this client will not follow (a downgrade to http, another scheme, a body sent to another origin). */
export class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError';
  readonly code = 'http_redirect_refused';
}

export type OutboundRequest = {
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
};

export interface OutboundClient {
  /**
   * One request, redirects followed (`followRedirects`), every connection under the address policy.
   * Rejects like fetch, with an `AddressRefusedError` in the `cause` chain when the policy refused
   * the first request or any hop, or with a `RedirectRefusedError`.
   */
  request(input: { url: string; init: OutboundRequest; signal: AbortSignal }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The address is checked where the socket is opened, so what was checked is what is connected to:
 * there is no resolve-then-connect gap for DNS rebinding (a name answering a public address to a
 * check and 127.0.0.1 to the connect), and a URL holding an address literal, which skips `lookup`,
 * is checked before `net.connect`. Every connection of this agent goes through that check: each
 * redirect hop opens its connection here too, and a pooled connection was checked when it was opened.
 * undici's own `fetch` goes with its `Agent`, so the dispatcher always matches the fetch using it.
 * undici is imported at the first request: a runner that runs no http step never pays for it
 * (about 4 MB of heap and 150 ms of start-up).
 */
export function createOutboundClient(policy: AddressPolicy): OutboundClient {
  let client: Promise<{ agent: Agent; fetch: typeof fetch }> | undefined;
  const ready = () =>
    (client ??= import('undici').then((undici) => ({
      agent: new undici.Agent({ connect: guardedConnector(policy, undici.buildConnector) }),
      fetch: undici.fetch,
    })));
  return {
    request: async ({ url, init, signal }) => {
      const { agent, fetch } = await ready();
      return followRedirects({ url, init, send: (hop, request) => fetch(hop, { ...request, signal, redirect: 'manual', dispatcher: agent }) });
    },
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}

/**
 * Follows redirects by hand, because fetch's rules send a step's own headers (an `X-Api-Key`) and a
 * 307's body to whatever origin the server names, over http too; it strips only the credential
 * headers it knows. Here:
 * - https to http is refused, and so is any scheme but http(s);
 * - 301, 302 and 303 go on as GET (HEAD stays HEAD) without the body or its headers;
 * - 307 and 308 keep the method and the body on the same origin; to another origin, a request with
 *   a body is refused rather than resent there or sent on without it;
 * - to another origin, only `CROSS_ORIGIN_SAFE_HEADERS` of the request's headers go along;
 * - at most `MAX_REDIRECTS` hops.
 */
export async function followRedirects<R extends { status: number; headers: { get(name: string): string | null }; body: { cancel(): Promise<void> } | null }>({
  url,
  init,
  send,
}: {
  url: string;
  init: OutboundRequest;
  send: (url: string, request: OutboundRequest) => Promise<R>;
}): Promise<R> {
  let current = new URL(url);
  let request: OutboundRequest = { method: init.method, headers: { ...init.headers }, ...(init.body === undefined ? {} : { body: init.body }) };
  for (let hops = 0; ; hops++) {
    const response = await send(current.href, request);
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => {});
    if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new RedirectRefusedError(`refused to follow the ${response.status} redirect: its location ${JSON.stringify(location.slice(0, 200))} is not a URL`);
    }
    const where = `${next.protocol}//${next.host}`;
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw new RedirectRefusedError(`refused to follow the ${response.status} redirect to ${next.protocol} (only http and https URLs are followed)`);
    if (current.protocol === 'https:' && next.protocol === 'http:')
      throw new RedirectRefusedError(`refused to follow the ${response.status} redirect from https to ${where}: it would send the request unencrypted`);
    const sameOrigin = next.origin === current.origin;
    const keepsBody = response.status === 307 || response.status === 308;
    let { method, headers, body } = request;
    if (!keepsBody) {
      if (method.toUpperCase() !== 'HEAD') method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !BODY_HEADERS.has(name.toLowerCase())));
    } else if (!sameOrigin && body !== undefined) {
      throw new RedirectRefusedError(`refused to follow the ${response.status} redirect to ${where}: the request body is not sent to another origin`);
    }
    if (!sameOrigin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_SAFE_HEADERS.has(name.toLowerCase())));
    request = { method, headers, ...(body === undefined ? {} : { body }) };
    current = next;
  }
}

function guardedConnector(policy: AddressPolicy, buildConnector: typeof import('undici').buildConnector): buildConnector.connector {
  const lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      // One refused address refuses the name: a resolver mixing public and local answers is not trusted.
      for (const { address } of addresses) {
        const refusal = checkAddress(policy, { host: hostname, address });
        if (refusal !== null) return callback(new AddressRefusedError(refusal), []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (first === undefined) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
  const connect = buildConnector({ lookup: lookup as NonNullable<net.TcpNetConnectOpts['lookup']> });
  return (options, callback) => {
    if (net.isIP(options.hostname) !== 0) {
      const refusal = checkAddress(policy, { host: options.hostname, address: options.hostname });
      if (refusal !== null) return callback(new AddressRefusedError(refusal), null);
    }
    connect(options, callback);
  };
}

/** The policy's refusal behind a fetch failure, if that is what it was. */
export function addressRefusalOf(error: unknown): AddressRefusedError | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof AddressRefusedError) return cause;
  }
  return null;
}
