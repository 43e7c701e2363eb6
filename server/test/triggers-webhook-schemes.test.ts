import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner } from './helpers/fake-runner';
import { waitUntil } from './helpers/live-client';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';
import { githubHeaders, slackHeaders, stripeHeaders } from './helpers/webhook-signers';

/** GitHub, Stripe and Slack deliveries as those senders make them (see helpers/webhook-signers.ts). */
const clock = { at: new Date('2026-06-01T12:00:00Z'), now: () => clock.at };
const nowSeconds = () => Math.floor(clock.at.getTime() / 1000);
const SECRET = 'whsec_sender-issued-signing-secret';

let s: TestServer;
let workflowId: string;
let n = 0;
beforeAll(async () => {
  s = await startServer({ clock });
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Senders') } })).body.id;
});
afterAll(() => s.close());

async function hook(verify: string, webhook: Record<string, unknown> = {}) {
  const key = `${verify}-${++n}`;
  const res = await s.request('PUT', `/api/triggers/${key}`, {
    body: { workflowId, type: 'webhook', webhook: { path: `from/${key}`, verify, secret: SECRET, ...webhook } },
  });
  expect(res.status).toBe(200);
  expect(res.body.webhook).toMatchObject({ verify, hasSecret: true });
  return { key, path: `from/${key}` };
}

async function deliver(
  path: string,
  { body, headers, query = '', type = 'application/json' }: { body: string; headers: Record<string, string>; query?: string; type?: string },
) {
  const res = await fetch(`${s.url}/hooks/${path}${query}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const triggerOf = async (executionId: string) => (await s.request('GET', `/api/executions/${executionId}`)).body.trigger;
const counted = async (key: string) => {
  const out: Record<string, number> = {};
  for (const c of (await s.request('GET', `/api/triggers/${key}/deliveries`)).body.counts) out[c.reason] = (out[c.reason] ?? 0) + c.count;
  return out;
};
const executionCount = () => (s.app.db.prepare('SELECT COUNT(*) AS n FROM executions').get() as { n: number }).n;

describe('verify "github"', () => {
  it('accepts X-Hub-Signature-256 over the raw body; the unsigned query does not reach the workflow', async () => {
    const { key, path } = await hook('github');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'abc123' });
    const res = await deliver(path, { body, query: '?ref=injected', headers: githubHeaders({ secret: SECRET, body, delivery: 'guid-1' }) });
    expect(res.status).toBe(202);
    const trigger = await triggerOf(res.body.executionId);
    expect(trigger).toMatchObject({
      key,
      body: { ref: 'refs/heads/main', after: 'abc123' },
      headers: { 'x-github-event': 'push', 'x-github-delivery': 'guid-1' },
    });
    expect(trigger.query).toEqual({});

    // GitHub's form content type signs the raw form bytes.
    const form = `payload=${encodeURIComponent(JSON.stringify({ zen: 'Keep it logically awesome.' }))}`;
    const formed = await deliver(path, {
      body: form,
      type: 'application/x-www-form-urlencoded',
      headers: githubHeaders({ secret: SECRET, body: form, delivery: 'guid-2' }),
    });
    expect(formed.status).toBe(202);
    expect(JSON.parse((await triggerOf(formed.body.executionId)).body.payload)).toEqual({ zen: 'Keep it logically awesome.' });
  });

  it('refuses a missing or wrong X-Hub-Signature-256 with 401 naming it', async () => {
    const { key, path } = await hook('github');
    const body = '{"a":1}';
    const missing = await deliver(path, { body, headers: {} });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: 'invalid_signature', message: expect.stringMatching(/^X-Hub-Signature-256: header is required/) });
    const wrong = await deliver(path, { body, headers: githubHeaders({ secret: 'someone-else', body }) });
    expect(wrong.body.error.message).toBe('X-Hub-Signature-256: does not match the body');
    // The weft header is not GitHub's.
    const weftStyle = await deliver(path, { body, headers: { 'x-weft-signature': githubHeaders({ secret: SECRET, body })['x-hub-signature-256']! } });
    expect(weftStyle.status).toBe(401);
    expect(await counted(key)).toEqual({ missing_signature: 2, bad_signature: 1 });
  });

  it('a redelivery (same X-GitHub-Delivery) or a replayed body under a new delivery id starts nothing', async () => {
    const { path } = await hook('github');
    const body = '{"action":"opened","number":7}';
    const first = await deliver(path, { body, headers: githubHeaders({ secret: SECRET, body, delivery: 'guid-a' }) });
    const before = executionCount();
    const redelivered = await deliver(path, { body, headers: githubHeaders({ secret: SECRET, body, delivery: 'guid-a' }) });
    expect(redelivered.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    const relabelled = await deliver(path, { body, headers: githubHeaders({ secret: SECRET, body, delivery: 'guid-forged' }) });
    expect(relabelled.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    expect(executionCount()).toBe(before);
    const next = '{"action":"closed","number":7}';
    expect((await deliver(path, { body: next, headers: githubHeaders({ secret: SECRET, body: next, delivery: 'guid-b' }) })).body.executionId).not.toBe(
      first.body.executionId,
    );
  });
});

describe('verify "stripe"', () => {
  const event = (id: string) => JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1', amount_paid: 500 } } });

  it('accepts Stripe-Signature t=…,v1=… over "<t>.<raw body>" when any v1 matches', async () => {
    const { key, path } = await hook('stripe');
    const body = event('evt_1');
    // While a secret is rolled Stripe signs with each: the first v1 is another secret's.
    const res = await deliver(path, {
      body,
      query: '?x=1',
      headers: stripeHeaders({ secret: SECRET, body, ts: nowSeconds(), extraV1: ['whsec_the-other-secret'] }),
    });
    expect(res.status).toBe(202);
    const trigger = await triggerOf(res.body.executionId);
    expect(trigger).toMatchObject({ key, body: { id: 'evt_1', type: 'invoice.paid' } });
    expect(trigger.query).toEqual({});
  });

  it('refuses a wrong, malformed or stale Stripe-Signature (5-minute tolerance)', async () => {
    const { key, path } = await hook('stripe');
    const body = event('evt_2');
    const ts = nowSeconds();
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'invalid_signature'],
      [stripeHeaders({ secret: 'whsec_wrong', body, ts }), 401, 'invalid_signature'],
      [{ 'stripe-signature': `v1=${stripeHeaders({ secret: SECRET, body, ts })['stripe-signature']!.split('v1=')[1]}` }, 401, 'invalid_signature'],
      [{ 'stripe-signature': stripeHeaders({ secret: SECRET, body, ts })['stripe-signature']!.replace(`t=${ts}`, `t=${ts + 1}`) }, 401, 'invalid_signature'],
      [stripeHeaders({ secret: SECRET, body, ts: ts - 301 }), 401, 'stale_signature'],
      [stripeHeaders({ secret: SECRET, body, ts: ts + 301 }), 401, 'stale_signature'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await deliver(path, { body, headers });
      expect(res.status, JSON.stringify(headers)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(/^Stripe-Signature/);
    }
    expect(await counted(key)).toEqual({ missing_signature: 1, bad_signature: 3, stale_signature: 2 });
    expect((await deliver(path, { body, headers: stripeHeaders({ secret: SECRET, body, ts: ts - 300 }) })).status).toBe(202);
  });

  it('the same event again — replayed, or retried by Stripe with a new signature — is the same delivery', async () => {
    const { path } = await hook('stripe');
    const body = event('evt_3');
    const headers = stripeHeaders({ secret: SECRET, body, ts: nowSeconds() });
    const first = await deliver(path, { body, headers });
    const before = executionCount();
    expect((await deliver(path, { body, headers })).body).toEqual({ executionId: first.body.executionId, duplicate: true });
    clock.at = new Date(clock.at.getTime() + 60_000);
    const retried = await deliver(path, { body, headers: stripeHeaders({ secret: SECRET, body, ts: nowSeconds() }) });
    expect(retried.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    expect(executionCount()).toBe(before);
    const other = event('evt_4');
    expect((await deliver(path, { body: other, headers: stripeHeaders({ secret: SECRET, body: other, ts: nowSeconds() }) })).status).toBe(202);
  });
});

describe('verify "slack"', () => {
  // A slash command as Slack sends it: form-encoded, "+" for spaces, percent-escapes.
  const command =
    'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705&user_name=Steve&command=%2Fweft&text=deploy+now+%26+tell+me&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0';

  it('accepts X-Slack-Signature v0 with X-Slack-Request-Timestamp over the raw url-encoded body', async () => {
    const { key, path } = await hook('slack');
    const res = await deliver(path, {
      body: command,
      type: 'application/x-www-form-urlencoded',
      query: '?channel=x',
      headers: slackHeaders({ secret: SECRET, body: command, ts: nowSeconds() }),
    });
    expect(res.status).toBe(202);
    const trigger = await triggerOf(res.body.executionId);
    expect(trigger).toMatchObject({ key, body: { command: '/weft', text: 'deploy now & tell me', user_name: 'Steve' } });
    expect(trigger.query).toEqual({});

    // Events API: JSON.
    const eventBody = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention', text: '<@U1> hi' } });
    const json = await deliver(path, { body: eventBody, headers: slackHeaders({ secret: SECRET, body: eventBody, ts: nowSeconds() }) });
    expect(json.status).toBe(202);
  });

  it('answers the signed url_verification challenge Slack sends for a new Request URL, and starts nothing', async () => {
    const { key, path } = await hook('slack');
    const body = JSON.stringify({
      token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    const before = executionCount();
    const res = await deliver(path, { body, headers: slackHeaders({ secret: SECRET, body, ts: nowSeconds() }) });
    expect(res).toEqual({ status: 200, body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } });
    expect(executionCount()).toBe(before);
    // Unsigned, it is just a refused call.
    expect((await deliver(path, { body, headers: {} })).status).toBe(401);
    expect((await s.request('GET', `/api/triggers/${key}/deliveries`)).body.deliveries).toEqual([]);
  });

  it('refuses a missing timestamp, a wrong or stale signature; a replay starts nothing', async () => {
    const { key, path } = await hook('slack');
    const ts = nowSeconds();
    const send = (headers: Record<string, string>) => deliver(path, { body: command, type: 'application/x-www-form-urlencoded', headers });
    const good = slackHeaders({ secret: SECRET, body: command, ts });
    expect((await send({ 'x-slack-signature': good['x-slack-signature']! })).body.error.message).toMatch(/^X-Slack-Request-Timestamp: header is required/);
    expect((await send(slackHeaders({ secret: 'wrong-secret', body: command, ts }))).body.error.code).toBe('invalid_signature');
    // The body re-encoded (as a parser would) is not the body that was signed.
    const reencoded = new URLSearchParams(command).toString().replace(/\+/g, '%20');
    expect((await deliver(path, { body: reencoded, type: 'application/x-www-form-urlencoded', headers: good })).status).toBe(401);
    const stale = await send(slackHeaders({ secret: SECRET, body: command, ts: ts - 301 }));
    expect(stale.status).toBe(401);
    expect(stale.body.error).toMatchObject({ code: 'stale_signature', message: expect.stringMatching(/^X-Slack-Request-Timestamp: 301 s old/) });
    const first = await send(good);
    expect(first.status).toBe(202);
    expect((await send(good)).body).toEqual({ executionId: first.body.executionId, duplicate: true });
    expect(await counted(key)).toEqual({ missing_timestamp: 1, bad_signature: 2, stale_signature: 1, duplicate: 1 });
  });
});

describe('changing the scheme', () => {
  it('keeps the secret when a signed hook moves to another scheme, and drops it for "none"', async () => {
    const { key, path } = await hook('github');
    const body = { workflowId, type: 'webhook', webhook: { path, verify: 'slack' } };
    const moved = await s.request('PUT', `/api/triggers/${key}`, { body });
    expect(moved.body.webhook).toMatchObject({ verify: 'slack', hasSecret: true });
    expect(moved.body.webhook).not.toHaveProperty('secret');
    const form = 'text=hi';
    expect(
      (await deliver(path, { body: form, type: 'application/x-www-form-urlencoded', headers: slackHeaders({ secret: SECRET, body: form, ts: nowSeconds() }) }))
        .status,
    ).toBe(202);
    const unsigned = await s.request('PUT', `/api/triggers/${key}`, { body: { ...body, webhook: { path, verify: 'none' } } });
    expect(unsigned.body.webhook).toMatchObject({ verify: 'none', hasSecret: false });
    // Back to signed: the old secret is gone, a new one is generated and shown.
    const signedAgain = await s.request('PUT', `/api/triggers/${key}`, { body: { ...body, webhook: { path, verify: 'weft' } } });
    expect(signedAgain.body.webhook.secret).toMatch(/^whsec_/);
    expect(signedAgain.body.webhook.secret).not.toBe(SECRET);
  });
});

describe('schemes that sign the body only: whoever replays a delivery chooses its query', () => {
  const signed = {
    github: (body: string) => githubHeaders({ secret: SECRET, body, delivery: `guid-${body.length}-${n}` }),
    stripe: (body: string) => stripeHeaders({ secret: SECRET, body, ts: nowSeconds() }),
    slack: (body: string) => slackHeaders({ secret: SECRET, body, ts: nowSeconds() }),
  } as const;

  it('offers no test mode, so a captured delivery cannot be re-sent as a test (400, nothing written)', async () => {
    for (const verify of ['github', 'stripe', 'slack'] as const) {
      const { key, path } = await hook(verify);
      const body = JSON.stringify({ id: `evt_${verify}`, type: 'thing.happened' });
      const headers = signed[verify](body);
      const ran = await deliver(path, { body, headers });
      expect(ran.status, verify).toBe(202);
      const before = executionCount();
      const rows = (await s.request('GET', `/api/triggers/${key}/deliveries`)).body.deliveries.length;
      for (const query of ['?test=1', '?test=true', '?wait=0&test=1']) {
        const replay = await deliver(path, { body, headers, query });
        expect(replay.status, `${verify} ${query}`).toBe(400);
        expect(replay.body.error).toMatchObject({ code: 'test_not_available', message: expect.stringMatching(/^query test: verify "/) });
      }
      // A new, properly signed delivery asking for a test is refused the same way.
      const fresh = JSON.stringify({ id: `evt_${verify}_2` });
      expect((await deliver(path, { body: fresh, headers: signed[verify](fresh), query: '?test=1' })).status).toBe(400);
      expect(executionCount()).toBe(before);
      expect((await s.request('GET', `/api/triggers/${key}/deliveries`)).body.deliveries.length).toBe(rows);
      expect(await counted(key)).toEqual({});
    }
  });

  it('a replay with ?wait added learns the run status, never its output', async () => {
    const runner = await connectFakeRunner(s.url, s.runnerToken, { capacity: 50 });
    try {
      const { key, path } = await hook('github', { respondWithOutput: true });
      const body = JSON.stringify({ ref: 'refs/heads/main' });
      const headers = githubHeaders({ secret: SECRET, body, delivery: 'guid-output' });
      const ran = await deliver(path, { body, headers });
      expect(ran.status).toBe(202);
      await waitUntil(() => runner.grants.some((g) => g.executionId === ran.body.executionId));
      const grant = runner.grants.find((g) => g.executionId === ran.body.executionId)!;
      await runner.events(grant, [{ seq: 1, type: 'execution.finished', status: 'succeeded', output: { secretReport: 'for the sender only' } }]);
      await waitUntil(async () => (await s.request('GET', `/api/executions/${ran.body.executionId}`)).body.status === 'succeeded');
      const replay = await deliver(path, { body, headers, query: '?wait=5' });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({ executionId: ran.body.executionId, status: 'succeeded', duplicate: true });
      expect(await counted(key)).toEqual({ duplicate: 1 });
    } finally {
      runner.close();
    }
  });
});
