import type { IncomingMessage } from 'node:http';
import proxyaddr from '@fastify/proxy-addr';

export type ProxyTrust = {
  /** The caller's address: the socket's, or with a trusted proxy the X-Forwarded-For hop before it. */
  clientAddress(req: IncomingMessage): string;
  /** The browser reached us over HTTPS: a TLS socket, or a trusted proxy saying X-Forwarded-Proto: https. */
  isHttps(req: IncomingMessage): boolean;
};

/**
 * Forwarded headers are believed only from the proxies the operator named (WEFT_TRUST_PROXY).
 * Fastify's own `trustProxy` takes X-Forwarded-Proto and -Host from any peer once it is on, so it
 * stays off and this decides instead.
 */
export function createProxyTrust(trusted: string[]): ProxyTrust {
  const trust = trusted.length > 0 ? proxyaddr.compile(trusted) : null;
  const peer = (req: IncomingMessage) => req.socket.remoteAddress ?? '';
  return {
    clientAddress: (req) => (trust ? proxyaddr(req, trust) : peer(req)),
    isHttps(req) {
      if ((req.socket as { encrypted?: boolean }).encrypted) return true;
      if (!trust?.(peer(req), 0)) return false;
      const header = req.headers['x-forwarded-proto'];
      const value = Array.isArray(header) ? header[header.length - 1] : header;
      // The nearest proxy's word: the last entry.
      return value?.split(',').pop()?.trim().toLowerCase() === 'https';
    },
  };
}
