import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import net from 'node:net';
import type { Agent, buildConnector, fetch, Response } from 'undici';
import { checkAddress, type AddressPolicy, type AddressRefusal } from './address-policy';

/** fetch's own limit, which it enforces. */
export const MAX_REDIRECTS = 20;

export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
  readonly code = 'http_address_refused';
  constructor(readonly refusal: AddressRefusal) {
    super(refusal.message);
  }
}

export type OutboundRequest = {
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
};

export interface OutboundClient {
  /**
   * One request, redirects followed by fetch's rules, every connection under the address policy.
   * Rejects like fetch, with an `AddressRefusedError` in the `cause` chain when the policy refused
   * the first request or any hop.
   */
  request(input: { url: string; init: OutboundRequest; signal: AbortSignal }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The address is checked where the socket is opened, so what was checked is what is connected to:
 * there is no resolve-then-connect gap for DNS rebinding (a name answering a public address to a
 * check and 127.0.0.1 to the connect), and a URL holding an address literal, which skips `lookup`,
 * is checked before `net.connect`. Every connection of this agent goes through that check, so
 * fetch may follow redirects itself (its rules for methods, bodies and credential headers): each
 * hop opens its connection here too, and a pooled connection was checked when it was opened.
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
      return fetch(url, { ...init, signal, redirect: 'follow', dispatcher: agent });
    },
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
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
