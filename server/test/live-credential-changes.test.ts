import { LIVE_CLOSE } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, type LiveClient } from './helpers/live-client';
import { addPerson, addPersonWithToken } from './helpers/people';
import { startServer, type TestServer } from './helpers/server';

/**
 * A browser socket (/ws) acts for the credential it opened with only while that credential still
 * gives the same principal: a lowered role, a disabled person, a sign-out, a revoked session or a
 * deleted token closes it with 4401 at once on this server, and a subscribe after a change that
 * this server did not hear about (another server's) is never answered with `subscribed`.
 */

let s: TestServer;
let slow: TestServer;
beforeAll(async () => {
  // No heartbeat within a test: a prompt close can only come from the change itself.
  s = await startServer({ config: { liveHeartbeatMs: 60_000 } });
  slow = await startServer({ config: { liveHeartbeatMs: 150 } });
});
afterAll(async () => {
  await s.close();
  await slow.close();
});

const PROMPT_MS = 2_000;

/** The close, or a failure when it did not come within `ms`. */
const closedWithin = (c: LiveClient, ms = PROMPT_MS) =>
  Promise.race([c.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms))]);

const expectCredentialClose = async (c: LiveClient) => {
  const { code, reason } = await closedWithin(c);
  expect(code).toBe(LIVE_CLOSE.credentialChanged);
  expect(code).toBe(4401);
  expect(reason).toMatch(/reconnect/);
};

/** Alice's chat, which an admin may read and a viewer may not. */
const aliceChat = async (server: TestServer) => {
  const alice = addPersonWithToken(server, 'operator');
  const res = await server.request('POST', '/api/sessions', { token: alice.token, body: { title: 'alice private' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { alice, chatId: res.body.id as string, topic: `session:${res.body.id}` };
};

const subscribed = async (c: LiveClient, topic: string, id: string) => {
  c.send({ type: 'subscribe', id, topic });
  return c.waitFor((f) => (f.type === 'subscribed' || f.type === 'error') && f.id === id);
};

describe("a change this server makes closes the person's sockets at once (4401)", () => {
  it('a lowered role: the socket closes, and the reconnected one may no longer read the chat', async () => {
    const { chatId, topic } = await aliceChat(s);
    const admin = addPersonWithToken(s, 'admin');
    const c = await connectLive(s.url, { token: admin.token });
    expect(await subscribed(c, topic, 'before')).toMatchObject({ type: 'subscribed', topic });

    const res = await s.request('PATCH', `/api/users/${admin.id}`, { body: { role: 'viewer' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await expectCredentialClose(c);
    s.app.sessions.postMessage({ sessionId: chatId, text: 'after the change' });
    expect(c.frames.some((f) => f.type === 'event' && JSON.stringify(f.event).includes('after the change'))).toBe(false);

    // The client's reconnect authenticates again: a viewer now, for whom the chat does not exist.
    const again = await connectLive(s.url, { token: admin.token });
    expect(await subscribed(again, topic, 'after')).toMatchObject({ type: 'error', code: 'topic_not_found' });
    again.close();
  });

  it('a disabled person: the socket closes and the upgrade is refused after', async () => {
    const admin = addPersonWithToken(s, 'admin');
    const c = await connectLive(s.url, { token: admin.token });
    await c.waitFor((f) => f.type === 'hello');
    const res = await s.request('PATCH', `/api/users/${admin.id}`, { body: { disabled: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await expectCredentialClose(c);
    await expect(connectLive(s.url, { token: admin.token })).rejects.toMatchObject({ statusCode: 401 });
  });

  it('a sign-out closes the socket its session opened, and no other', async () => {
    const person = await addPerson(s, { name: 'Sam', email: 'sam@example.test', role: 'operator' });
    const other = addPersonWithToken(s, 'operator');
    const c = await connectLive(s.url, { headers: { cookie: person.cookie } });
    const bystander = await connectLive(s.url, { token: other.token });
    await c.waitFor((f) => f.type === 'hello');
    const res = await s.request('POST', '/auth/logout', { token: null, headers: { cookie: person.cookie } });
    expect(res.status).toBe(204);
    await expectCredentialClose(c);
    await expect(connectLive(s.url, { headers: { cookie: person.cookie } })).rejects.toMatchObject({ statusCode: 401 });
    bystander.send({ type: 'ping', id: 'still' });
    await bystander.waitFor((f) => f.type === 'pong' && f.id === 'still');
    bystander.close();
  });

  it("a revoked browser session closes the socket it opened; the person's other session keeps its own", async () => {
    const person = await addPerson(s, { name: 'Rae', email: 'rae@example.test', role: 'operator' });
    const second = await s.request('POST', '/auth/password', { token: null, body: { email: 'rae@example.test', password: 'correct horse battery' } });
    expect(second.status).toBe(204);
    const keeper = String(second.headers.get('set-cookie')).split(';')[0]!;
    const c = await connectLive(s.url, { headers: { cookie: person.cookie } });
    const kept = await connectLive(s.url, { headers: { cookie: keeper } });
    await c.waitFor((f) => f.type === 'hello');
    const list = await s.request('GET', '/api/me/sessions', { token: null, headers: { cookie: person.cookie } });
    const current = (list.body.sessions as { id: string; current: boolean }[]).find((x) => x.current)!;
    const res = await s.request('DELETE', `/api/me/sessions/${current.id}`, { token: null, headers: { cookie: keeper } });
    expect(res.status).toBe(204);
    await expectCredentialClose(c);
    kept.send({ type: 'ping', id: 'kept' });
    await kept.waitFor((f) => f.type === 'pong' && f.id === 'kept');
    expect(kept.ws.readyState).toBe(kept.ws.OPEN);
    kept.close();
  });

  it('a deleted personal access token closes its socket and is refused after', async () => {
    const person = addPersonWithToken(s, 'operator');
    const c = await connectLive(s.url, { token: person.token });
    await c.waitFor((f) => f.type === 'hello');
    const res = await s.request('DELETE', `/api/tokens/tok_${person.id}`, { token: person.token });
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    await expectCredentialClose(c);
    await expect(connectLive(s.url, { token: person.token })).rejects.toMatchObject({ statusCode: 401 });
  });
});

describe("a change this server did not hear about (another server's)", () => {
  it('a subscribe after it is never answered with subscribed: the socket closes instead', async () => {
    const { topic } = await aliceChat(s);
    const admin = addPersonWithToken(s, 'admin');
    const c = await connectLive(s.url, { token: admin.token });
    expect(await subscribed(c, 'approvals', 'first')).toMatchObject({ type: 'subscribed' });
    // Straight into the database, as another server would: no notification here.
    s.app.db.prepare("UPDATE users SET role = 'viewer' WHERE id = ?").run(admin.id);
    c.send({ type: 'subscribe', id: 'late', topic });
    await expectCredentialClose(c);
    expect(c.frames.filter((f) => f.id === 'late')).toEqual([]);
    expect(c.frames.some((f) => f.type === 'subscribed' && f.topic === topic)).toBe(false);
  });

  it('the heartbeat re-check closes the socket without any frame from the client', async () => {
    const admin = addPersonWithToken(slow, 'admin');
    const c = await connectLive(slow.url, { token: admin.token });
    await c.waitFor((f) => f.type === 'hello');
    slow.app.db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(Date.now(), admin.id);
    await expectCredentialClose(c);
  });

  it('an unchanged person keeps their socket across heartbeats', async () => {
    const person = addPersonWithToken(slow, 'operator');
    const c = await connectLive(slow.url, { token: person.token });
    await new Promise((r) => setTimeout(r, 600));
    c.send({ type: 'ping', id: 'alive' });
    await c.waitFor((f) => f.type === 'pong' && f.id === 'alive');
    c.close();
  });
});
