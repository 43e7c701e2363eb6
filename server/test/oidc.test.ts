import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { startOidcProvider, type LocalOidcProvider } from './helpers/oidc-provider';
import { startServer, type TestServer } from './helpers/server';
import { addPerson } from './helpers/people';
import { spawnTsx } from './helpers/tsx-process';

/**
 * Single sign-on against a local OpenID Connect provider, over real HTTP: the test plays the
 * browser, following each redirect by hand and carrying the cookies Weft sets.
 */

/** A browser's cookie jar for the Weft origin (the provider sets none). */
class Browser {
  cookies = new Map<string, string>();
  constructor(readonly weft: string) {}

  async get(url: string): Promise<Response> {
    const sameOrigin = url.startsWith(this.weft);
    const headers: Record<string, string> = {};
    if (sameOrigin && this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers });
    await res.arrayBuffer();
    if (sameOrigin) {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
        if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return res;
  }

  /** The provider's redirect back to Weft, not yet followed. */
  async startAtProvider(next?: string): Promise<string> {
    const start = await this.get(`${this.weft}/auth/oidc/start${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    expect(start.status).toBe(303);
    const authorize = await this.get(start.headers.get('location')!);
    expect(authorize.status).toBe(302);
    return authorize.headers.get('location')!;
  }

  /** Follows the callback; returns where Weft sends the browser afterwards. */
  async callback(url: string): Promise<string> {
    const res = await this.get(url);
    expect(res.status).toBe(303);
    return res.headers.get('location')!;
  }

  async signIn(next?: string): Promise<string> {
    return this.callback(await this.startAtProvider(next));
  }

  async me(): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.weft}/api/me`, { headers: { cookie: `weft_session=${this.cookies.get('weft_session') ?? ''}` } });
    return { status: res.status, body: await res.json() };
  }
}

const ssoEnv = (p: LocalOidcProvider, roleClaim = 'groups') => ({
  WEFT_OIDC_ISSUER: p.issuer,
  WEFT_OIDC_CLIENT_ID: p.clientId,
  WEFT_OIDC_CLIENT_SECRET: p.clientSecret,
  WEFT_OIDC_ROLE_CLAIM: roleClaim,
});

const alice = { sub: 'alice-1', email: 'alice@example.com', email_verified: true, name: 'Alice Example', groups: ['staff', 'editor', 'viewer'] };

let provider: LocalOidcProvider;
let s: TestServer;
beforeAll(async () => {
  provider = await startOidcProvider();
  s = await startServer({ env: ssoEnv(provider) });
});
afterAll(async () => {
  await s?.close();
  await provider?.close();
});
beforeEach(() => {
  provider.person = alice;
});

type AuditRow = { action: string; actor_id: string | null; target_id: string | null; details: string };
const auditSince = (id: number) =>
  s.app.db
    .prepare<[number], AuditRow>('SELECT action, actor_id, target_id, details FROM audit_log WHERE id > ? ORDER BY id')
    .all(id)
    .map((row) => ({ ...row, details: JSON.parse(row.details) }));
const lastAuditId = () => (s.app.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM audit_log').get() as { id: number }).id;
const userCount = () => (s.app.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;

describe('single sign-on with OpenID Connect', () => {
  it('offers the button only when configured', async () => {
    const res = await s.request('GET', '/auth/options', { token: null });
    expect(res.body).toEqual({ password: true, sso: { enabled: true, label: new URL(provider.issuer).host } });
  });

  it('creates a new person with the role from the claim, signs them in and goes to `next`', async () => {
    const before = lastAuditId();
    const browser = new Browser(s.url);
    expect(await browser.signIn('/automation/wf_1?tab=runs')).toBe('/automation/wf_1?tab=runs');
    expect(browser.cookies.has('weft_oidc_state')).toBe(false);
    const me = await browser.me();
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'Alice Example', email: 'alice@example.com', role: 'editor', via: 'session' });
    const row = s.app.auth.users.get(me.body.id)!;
    expect(row.oidc_subject).toBe(`${provider.issuer}|alice-1`);
    expect(row.last_sign_in_at).not.toBeNull();
    expect(auditSince(before)).toEqual([
      { action: 'user.created', actor_id: row.id, target_id: row.id, details: { via: 'oidc', role: 'editor' } },
      { action: 'auth.signed_in', actor_id: row.id, target_id: row.id, details: { method: 'oidc' } },
    ]);
  });

  it('finds the same person on the next sign-in, and lands on /chat without `next`', async () => {
    const first = new Browser(s.url);
    await first.signIn();
    const count = userCount();
    const second = new Browser(s.url);
    expect(await second.signIn()).toBe('/chat');
    expect((await second.me()).body.id).toBe((await first.me()).body.id);
    expect(userCount()).toBe(count);
  });

  it('applies a changed role claim at sign-in; an absent or unknown one gives viewer', async () => {
    const browser = new Browser(s.url);
    provider.person = { ...alice, groups: ['approver'] };
    const before = lastAuditId();
    await browser.signIn();
    const { body } = await browser.me();
    expect(body.role).toBe('approver');
    expect(auditSince(before)[0]).toMatchObject({
      action: 'user.updated',
      details: { via: 'oidc', before: { role: 'editor' }, after: { role: 'approver' } },
    });
    provider.person = { ...alice, groups: ['owner', 'superuser'] };
    await browser.signIn();
    expect((await browser.me()).body.role).toBe('viewer');
    provider.person = { ...alice, groups: 'admin' };
    await browser.signIn();
    expect((await browser.me()).body.role).toBe('admin');
  });

  it('never takes over an existing account by email: the person links from their own session', async () => {
    s.app.db.prepare("UPDATE users SET email = 'boss@example.com' WHERE id = 'owner'").run();
    provider.person = { sub: 'boss', email: 'Boss@Example.com', email_verified: true, name: 'Boss', groups: ['viewer'] };
    const count = userCount();
    const stranger = new Browser(s.url);
    const before = lastAuditId();
    expect(await stranger.signIn()).toBe('/signin?reason=sso_link');
    expect(stranger.cookies.has('weft_session')).toBe(false);
    expect(s.app.auth.users.get('owner')!.oidc_subject).toBeNull();
    expect(userCount()).toBe(count);
    expect(auditSince(before)).toEqual([
      { action: 'auth.sign_in_failed', actor_id: null, target_id: 'owner', details: { method: 'oidc', reason: 'link_required' } },
    ]);

    // A link asked for without a browser session (or with a token) is refused before the provider.
    const anonymous = await stranger.get(`${s.url}/auth/oidc/start?link=1`);
    expect(anonymous.headers.get('location')).toBe('/signin?reason=sso');

    // Signed in as the owner, the same provider account links, and then signs in as the owner.
    const owner = new Browser(s.url);
    owner.cookies.set('weft_session', s.app.auth.sessions.create('owner').id);
    const start = await owner.get(`${s.url}/auth/oidc/start?link=1&next=${encodeURIComponent('/account')}`);
    const back = (await owner.get(start.headers.get('location')!)).headers.get('location')!;
    // A browser does not send the Strict session cookie on the provider's cross-site redirect back.
    const sessionCookie = owner.cookies.get('weft_session')!;
    owner.cookies.delete('weft_session');
    expect(await owner.callback(back)).toBe('/account');
    owner.cookies.set('weft_session', sessionCookie);
    expect(s.app.auth.users.get('owner')!.oidc_subject).toBe(`${provider.issuer}|boss`);
    const later = new Browser(s.url);
    expect(await later.signIn()).toBe('/chat');
    expect((await later.me()).body).toMatchObject({ id: 'owner', role: 'owner', ssoLinked: true });
  });

  it('refuses to finish a link whose session ended since it started', async () => {
    const victim = new Browser(s.url);
    const session = s.app.auth.sessions.create('owner');
    victim.cookies.set('weft_session', session.id);
    provider.person = { sub: 'eve', email: 'eve@example.com', email_verified: true, name: 'Eve' };
    const start = await victim.get(`${s.url}/auth/oidc/start?link=1`);
    const back = (await victim.get(start.headers.get('location')!)).headers.get('location')!;
    s.app.auth.sessions.end(session.id);
    expect(await victim.callback(back)).toBe('/signin?reason=sso');
    expect(s.app.auth.users.get('owner')!.oidc_subject).not.toBe(`${provider.issuer}|eve`);
  });

  it('does not link an unverified email: a new person, without that address', async () => {
    s.app.db.prepare("UPDATE users SET email = 'carol@example.com' WHERE id = 'owner'").run();
    provider.person = { sub: 'mallory', email: 'carol@example.com', email_verified: false, name: 'Mallory' };
    const browser = new Browser(s.url);
    await browser.signIn();
    const { body } = await browser.me();
    expect(body).toMatchObject({ name: 'Mallory', email: null, role: 'viewer' });
    expect(body.id).not.toBe('owner');
  });

  it('refuses a disabled person, with the reason recorded', async () => {
    provider.person = { sub: 'dave', email: 'dave@example.com', email_verified: true, name: 'Dave', groups: ['operator'] };
    const browser = new Browser(s.url);
    await browser.signIn();
    const id = (await browser.me()).body.id;
    s.app.db.prepare('UPDATE users SET disabled_at = 1 WHERE id = ?').run(id);
    const fresh = new Browser(s.url);
    const before = lastAuditId();
    expect(await fresh.signIn()).toBe('/signin?reason=disabled');
    expect(fresh.cookies.has('weft_session')).toBe(false);
    expect(auditSince(before)).toEqual([{ action: 'auth.sign_in_failed', actor_id: null, target_id: id, details: { method: 'oidc', reason: 'disabled' } }]);
    expect(s.app.auth.users.get(id)!.role).toBe('operator');
  });

  it('refuses a state that does not match the browser, and a replayed one', async () => {
    const browser = new Browser(s.url);
    const other = new Browser(s.url);
    const someoneElses = await other.startAtProvider();
    await browser.startAtProvider();
    // Login CSRF: another browser's callback URL with this browser's cookie.
    const before = lastAuditId();
    expect(await browser.callback(someoneElses)).toBe('/signin?reason=sso');
    expect(auditSince(before)).toEqual([{ action: 'auth.sign_in_failed', actor_id: null, target_id: null, details: { method: 'oidc', reason: 'state' } }]);
    // One-time: the refused attempt took that state, so its own browser cannot use it either.
    expect(await other.callback(someoneElses)).toBe('/signin?reason=sso');
    expect(other.cookies.has('weft_session')).toBe(false);

    const own = await browser.startAtProvider();
    expect(await browser.callback(own)).toBe('/chat');
    const tokenRequests = provider.tokenRequests;
    const replay = new Browser(s.url);
    replay.cookies.set('weft_oidc_state', new URL(own).searchParams.get('state')!);
    expect(await replay.callback(own)).toBe('/signin?reason=sso');
    expect(replay.cookies.has('weft_session')).toBe(false);
    expect(provider.tokenRequests).toBe(tokenRequests);

    const noCookie = new Browser(s.url);
    expect(await noCookie.callback(await new Browser(s.url).startAtProvider())).toBe('/signin?reason=sso');
  });

  it('finishes on another server of the same database than the one it started on', async () => {
    // Behind a load balancer the provider's return may reach any server: the pending sign-in is a row.
    const second = await startServer({ env: ssoEnv(provider), dataDir: s.dataDir });
    try {
      const started = new Browser(s.url);
      const callback = new URL(await started.startAtProvider('/approvals'));
      const elsewhere = new Browser(second.url);
      for (const [name, value] of started.cookies) elsewhere.cookies.set(name, value);
      expect(await elsewhere.callback(`${second.url}${callback.pathname}${callback.search}`)).toBe('/approvals');
      expect((await elsewhere.me()).body).toMatchObject({ email: 'alice@example.com', via: 'session' });
      // Taken once across servers: the first server no longer knows it.
      expect(await started.callback(callback.toString())).toBe('/signin?reason=sso');
    } finally {
      await second.close();
    }
  });

  it("refuses the provider's error, and an ID token for another client or another sign-in", async () => {
    provider.denyNext = true;
    const before = lastAuditId();
    expect(await new Browser(s.url).signIn()).toBe('/signin?reason=sso');
    for (const tamper of [{ aud: 'another-client' }, { nonce: 'another-sign-in' }, { exp: Math.floor(Date.now() / 1000) - 3600 }]) {
      provider.tamperNext = tamper;
      const browser = new Browser(s.url);
      expect(await browser.signIn(), JSON.stringify(tamper)).toBe('/signin?reason=sso');
      expect(browser.cookies.has('weft_session')).toBe(false);
    }
    expect(auditSince(before).map((e) => e.details.reason)).toEqual(['provider_error', 'token', 'token', 'token']);
  });

  it('with WEFT_OIDC_LINK_BY_EMAIL a verified email links an account, never an admin or the owner', async () => {
    const weft = await startServer({ env: { ...ssoEnv(provider), WEFT_OIDC_LINK_BY_EMAIL: 'true' } });
    try {
      const editor = await addPerson(weft, { name: 'Ed', email: 'ed@example.com', role: 'editor' });
      const admin = await addPerson(weft, { name: 'Ada', email: 'ada@example.com', role: 'admin' });
      provider.person = { sub: 'ed', email: 'ed@example.com', email_verified: true, name: 'Ed', groups: ['editor'] };
      const ed = new Browser(weft.url);
      expect(await ed.signIn()).toBe('/chat');
      expect((await ed.me()).body).toMatchObject({ id: editor.id, role: 'editor' });
      provider.person = { sub: 'ada', email: 'ada@example.com', email_verified: true, name: 'Ada' };
      expect(await new Browser(weft.url).signIn()).toBe('/signin?reason=sso_link');
      expect(weft.app.auth.users.get(admin.id)!.oidc_subject).toBeNull();
    } finally {
      await weft.close();
    }
  });

  it('a provider that goes down mid-sign-in sends the browser back with a reason, not a 500', async () => {
    const down = await startOidcProvider();
    const weft = await startServer({ env: ssoEnv(down) });
    try {
      const browser = new Browser(weft.url);
      const callback = await browser.startAtProvider();
      await down.close();
      expect(await browser.callback(callback)).toBe('/signin?reason=sso');
    } finally {
      await weft.close();
    }
  });

  it('a provider that is down at start sends the browser back with a reason, not a 500', async () => {
    const port = await closedPort();
    const weft = await startServer({ env: { WEFT_OIDC_ISSUER: `http://127.0.0.1:${port}`, WEFT_OIDC_CLIENT_ID: 'x', WEFT_OIDC_CLIENT_SECRET: 'y' } });
    try {
      const res = await new Browser(weft.url).get(`${weft.url}/auth/oidc/start?next=/chat`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/signin?reason=sso');
      const reasons = weft.app.db.prepare("SELECT details FROM audit_log WHERE action = 'auth.sign_in_failed'").all() as { details: string }[];
      expect(reasons.map((r) => JSON.parse(r.details).reason)).toEqual(['unavailable']);
    } finally {
      await weft.close();
    }
  });
});

describe('single sign-on settings', () => {
  it('refuses a partial configuration, naming what is missing', () => {
    const attempt = () => loadConfig({ WEFT_OIDC_ISSUER: 'https://id.example.com', WEFT_OIDC_CLIENT_SECRET: 'shh-very-secret' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/WEFT_OIDC_CLIENT_ID is not set/);
    expect(() => loadConfig({ WEFT_OIDC_ROLE_CLAIM: 'groups' })).toThrow(/only used with single sign-on/);
    expect(() => loadConfig({ WEFT_OIDC_ISSUER: 'http://id.example.com', WEFT_OIDC_CLIENT_ID: 'a', WEFT_OIDC_CLIENT_SECRET: 'b' })).toThrow(/must use https/);
  });

  it('the server does not start with a partial configuration, and says why (without the secret)', async () => {
    const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const proc = spawnTsx('src/server.ts', {
      cwd: serverDir,
      env: { PORT: '0', WEFT_OIDC_ISSUER: 'https://id.example.com', WEFT_OIDC_CLIENT_SECRET: 'shh-very-secret' },
    });
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toMatch(/WEFT_OIDC_CLIENT_ID is not set/);
    expect(proc.output()).not.toContain('shh-very-secret');
  }, 60_000);
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
