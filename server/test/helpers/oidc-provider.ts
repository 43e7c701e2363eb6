import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** The person the provider signs in next: `sub` plus any claims (email, name, groups…). */
export type ProviderPerson = { sub: string } & Record<string, unknown>;

export type LocalOidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization signs in (the provider has no login page: it answers at once). */
  person: ProviderPerson;
  /** The next authorization answers with `error=access_denied` instead of a code. */
  denyNext: boolean;
  /** Claims that overwrite the next ID token's own (`aud`, `nonce`, `exp`…), to see them refused. */
  tamperNext: Record<string, unknown> | null;
  /** Requests the token endpoint received. */
  tokenRequests: number;
  close(): Promise<void>;
};

type Grant = { person: ProviderPerson; nonce: string | null; challenge: string; redirectUri: string; tamper: Record<string, unknown> | null };

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * A minimal OpenID Connect provider over real HTTP on 127.0.0.1: discovery, JWKS, an
 * authorization endpoint that redirects straight back with a code, and a token endpoint that
 * checks the client secret and PKCE and returns an RS256-signed ID token.
 */
export async function startOidcProvider({ clientId = 'weft-test', clientSecret = 'weft-test-secret' } = {}): Promise<LocalOidcProvider> {
  const keys = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const grants = new Map<string, Grant>();
  const sockets = new Set<Socket>();

  const provider: LocalOidcProvider = {
    issuer: '',
    clientId,
    clientSecret,
    person: { sub: 'nobody' },
    denyNext: false,
    tamperNext: null,
    tokenRequests: 0,
    close: async () => {},
  };

  const idToken = (grant: Grant) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      ...grant.person,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      iss: provider.issuer,
      aud: clientId,
      iat: now,
      exp: now + 300,
      ...grant.tamper,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .sign(keys.privateKey);
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const authorize = (url: URL, res: http.ServerResponse) => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== clientId || !redirectUri.startsWith('http://127.0.0.1:')) return send(res, 400, { error: 'invalid_request' });
    const back = new URL(redirectUri);
    back.searchParams.set('state', q.get('state') ?? '');
    if (provider.denyNext) {
      provider.denyNext = false;
      back.searchParams.set('error', 'access_denied');
    } else if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
      back.searchParams.set('error', 'invalid_request');
    } else {
      const code = randomBytes(16).toString('base64url');
      grants.set(code, { person: provider.person, nonce: q.get('nonce'), challenge: q.get('code_challenge')!, redirectUri, tamper: provider.tamperNext });
      provider.tamperNext = null;
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href });
    res.end();
  };

  const token = async (req: http.IncomingMessage, raw: string, res: http.ServerResponse) => {
    provider.tokenRequests += 1;
    const form = new URLSearchParams(raw);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== clientId || secret !== clientSecret) return send(res, 401, { error: 'invalid_client' });
    const code = form.get('code') ?? '';
    const grant = grants.get(code);
    grants.delete(code);
    if (
      form.get('grant_type') !== 'authorization_code' ||
      grant === undefined ||
      grant.redirectUri !== form.get('redirect_uri') ||
      s256(form.get('code_verifier') ?? '') !== grant.challenge
    ) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    send(res, 200, {
      access_token: randomBytes(16).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: await idToken(grant),
    });
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', provider.issuer);
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /.well-known/openid-configuration') {
        return send(res, 200, {
          issuer: provider.issuer,
          authorization_endpoint: `${provider.issuer}/authorize`,
          token_endpoint: `${provider.issuer}/token`,
          jwks_uri: `${provider.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        });
      }
      if (route === 'GET /jwks') return send(res, 200, { keys: [jwk] });
      if (route === 'GET /authorize') return authorize(url, res);
      if (route === 'POST /token') return void token(req, raw, res).catch(() => send(res, 500, { error: 'server_error' }));
      send(res, 404, { error: 'not_found' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  provider.issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  provider.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return provider;
}
