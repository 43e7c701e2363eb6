import { LiveServerMessage, RunnerServerMessage } from '@weft/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFakeRunner, type FakeRunner } from '../helpers/fake-runner';
import { connectLive, type LiveClient } from '../helpers/live-client';
import { minimalDefinition, startServer, type TestServer } from '../helpers/server';

/**
 * Hostile frames on both sockets: whatever arrives, the server answers in its protocol (never an
 * `internal` error), keeps the socket usable, and writes nothing for frames that name nothing.
 * fast-check prints the seed and the shrunk counterexample on failure; no Math.random inside.
 */
let s: TestServer;
let executionId: string;
let workflowId: string;
beforeAll(async () => {
  s = await startServer();
  workflowId = (await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Fuzz frames') } })).body.id;
  executionId = (await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} })).body.executionId;
});
afterAll(() => s.close());

const id = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.constant(undefined), fc.object({ maxDepth: 1 }));
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
const rawText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('', '{', 'null', '[]', '"x"', '{"type":null}', '{"__proto__":{"type":"ping"}}', '{"type":"ping","id":{"toString":1}}'),
);

const liveFrame = fc.oneof(
  rawText,
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'hello', 'event'), fc.string({ maxLength: 10 })),
        id,
        topic: fc.oneof(
          fc.constantFrom('executions', 'workflows', 'approvals', 'triggers', `execution:${'x'.repeat(5)}`, 'execution:', 'session:..', 'a'.repeat(201)),
          fc.string({ maxLength: 60 }),
          anyValue,
        ),
        after: fc.oneof(fc.integer(), fc.double(), fc.constant(-1), fc.string({ maxLength: 5 }), anyValue),
      },
      { requiredKeys: [] },
    )
    .map((f) => JSON.stringify(f)),
);

function liveReplies(c: LiveClient, from: number) {
  return c.frames.slice(from);
}

describe('/ws under hostile frames', () => {
  it('answers every frame in its protocol, never with an internal error, and stays usable', async () => {
    const c = await connectLive(s.url, { token: s.token });
    await c.waitFor((f) => f.type === 'hello');
    let probe = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(liveFrame, { minLength: 1, maxLength: 8 }), async (frames) => {
        const from = c.frames.length;
        for (const f of frames) c.send(f);
        const ping = `probe-${++probe}`;
        c.send({ type: 'ping', id: ping });
        await c.waitFor((f) => f.type === 'pong' && f.id === ping);
        for (const reply of liveReplies(c, from)) {
          expect(LiveServerMessage.safeParse(reply).success, JSON.stringify(reply)).toBe(true);
          if (reply.type === 'error') expect(reply.code).not.toBe('internal');
        }
      }),
      { numRuns: 150 },
    );
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.close();
  });

  it('refuses a frame over the size limit without closing', async () => {
    const c = await connectLive(s.url, { token: s.token });
    c.send(JSON.stringify({ type: 'ping', id: 'big', pad: 'x'.repeat(70_000) }));
    await c.waitFor((f) => f.type === 'error' && f.code === 'frame_too_large');
    c.send({ type: 'ping', id: 'after' });
    await c.waitFor((f) => f.type === 'pong' && f.id === 'after');
    c.close();
  });
});

const stepEvent = fc.record(
  {
    seq: fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double(), anyValue),
    type: fc.oneof(
      fc.constantFrom(
        'step.started',
        'step.log',
        'step.succeeded',
        'step.failed',
        'step.skipped',
        'step.canceled',
        'step.waiting',
        'message',
        'execution.finished',
      ),
      fc.string({ maxLength: 12 }),
    ),
    stepId: fc.oneof(fc.constantFrom('say', 'nope', '', '../x'), fc.string({ maxLength: 70 })),
    attempt: fc.oneof(fc.integer({ min: -1, max: 5 }), anyValue),
    iterationPath: fc.oneof(fc.constant(''), fc.string({ maxLength: 20 })),
    output: anyValue,
    error: anyValue,
    status: fc.oneof(fc.constantFrom('succeeded', 'failed', 'canceled'), fc.string({ maxLength: 8 })),
    stream: fc.constantFrom('stdout', 'stderr', 'stdin'),
    text: fc.string({ maxLength: 50 }),
    wait: anyValue,
    message: anyValue,
  },
  { requiredKeys: ['type'] },
);

/** Frames that pass the schema, so the fuzz reaches ingest: the lease is simply not this runner's. */
const validStepEvent = fc.oneof(
  fc.record({
    type: fc.constant('step.started'),
    stepId: fc.constantFrom('say', 'other'),
    iterationPath: fc.constant(''),
    attempt: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    type: fc.constant('step.succeeded'),
    stepId: fc.constantFrom('say', 'other'),
    iterationPath: fc.constant(''),
    attempt: fc.integer({ min: 1, max: 3 }),
    output: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    type: fc.constant('step.log'),
    stepId: fc.constant('say'),
    iterationPath: fc.constant(''),
    attempt: fc.constant(1),
    stream: fc.constantFrom('stdout', 'stderr'),
    text: fc.string({ maxLength: 40 }),
  }),
  fc.record({ type: fc.constant('execution.finished'), status: fc.constantFrom('succeeded', 'failed', 'canceled') }),
);
const wellFormedEvents = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 10 }),
    attempt: fc.integer({ min: 1, max: 3 }),
    first: fc.integer({ min: 1, max: 4 }),
    events: fc.array(validStepEvent, { minLength: 1, maxLength: 4 }),
    mine: fc.boolean(),
  })
  .map((f) =>
    JSON.stringify({
      type: 'events',
      id: f.id,
      executionId: f.mine ? '__exec__' : 'exe_unknown',
      attempt: f.attempt,
      events: f.events.map((e, i) => ({ ...e, seq: f.first + i })),
    }).replaceAll('"__exec__"', JSON.stringify(executionId)),
  );

const runnerFrame = fc.oneof(
  rawText,
  wellFormedEvents,
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('events', 'heartbeat', 'hello'), fc.string({ maxLength: 10 })),
        id,
        executionId: fc.oneof(fc.constant('__exec__'), fc.constantFrom('exe_nothing', ''), fc.string({ maxLength: 30 }), anyValue),
        attempt: fc.oneof(fc.integer({ min: -1, max: 3 }), anyValue),
        events: fc.oneof(fc.array(stepEvent, { maxLength: 4 }), anyValue),
        leases: fc.oneof(
          fc.array(fc.record({ executionId: fc.oneof(fc.constant('__exec__'), fc.string({ maxLength: 10 })), attempt: fc.integer({ min: -1, max: 3 }) }), {
            maxLength: 3,
          }),
          anyValue,
        ),
        protocolVersion: fc.oneof(fc.constant(1), fc.integer(), anyValue),
      },
      { requiredKeys: ['type'] },
    )
    .map((f) => JSON.stringify(f).replaceAll('"__exec__"', JSON.stringify(executionId))),
);

describe('/ws/runner under hostile frames', () => {
  it('answers in its protocol, never with an internal error, and writes nothing for leases it never granted', async () => {
    // The execution is leased to `holder`, which keeps renewing it; the fuzzing runner never holds it.
    const holder = await connectFakeRunner(s.url, s.runnerToken);
    const grant = holder.grants[0] ?? (await holder.waitFor((f) => f.type === 'lease')).grant;
    expect(grant.executionId).toBe(executionId);
    const renew = setInterval(() => holder.send({ type: 'heartbeat', leases: [{ executionId, attempt: grant.attempt }] }), 200);
    const runner: FakeRunner = await connectFakeRunner(s.url, s.runnerToken);
    const before = await s.request('GET', `/api/executions/${executionId}`);
    let probe = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(runnerFrame, { minLength: 1, maxLength: 6 }), async (frames) => {
        const from = runner.frames.length;
        // A hello with another protocol version closes the socket by design: keep those out of this run.
        for (const f of frames) if (!/"type":"hello"/.test(f)) runner.send(f);
        const ping = `probe-${++probe}`;
        runner.send({ type: 'heartbeat', id: ping, leases: [] });
        await runner.waitFor((f) => f.id === ping && (f.type === 'heartbeat_ack' || f.type === 'error'));
        for (const reply of runner.frames.slice(from)) {
          expect(RunnerServerMessage.safeParse(reply).success, JSON.stringify(reply)).toBe(true);
          if (reply.type === 'error') expect(reply.code).not.toBe('internal');
          expect(reply.type).not.toBe('ack');
        }
      }),
      { numRuns: 150 },
    );
    expect(runner.ws.readyState).toBe(runner.ws.OPEN);
    const after = await s.request('GET', `/api/executions/${executionId}`);
    // The execution was never leased to this runner: none of its frames may have changed it.
    expect(after.body.status).toBe(before.body.status);
    expect(after.body.steps).toEqual(before.body.steps);
    expect(runner.grants).toEqual([]);
    clearInterval(renew);
    runner.close();
    holder.close();
  });
});

describe('/ws bookkeeping is bounded', () => {
  it('refuses subscriptions past the per-socket cap, and a resubscribe still works', async () => {
    const { MAX_SUBSCRIPTIONS_PER_SOCKET } = await import('../../src/live/live-socket');
    // Distinct readable topics: one per execution, as many as the cap and one more.
    const ids: string[] = [];
    for (let i = 0; i <= MAX_SUBSCRIPTIONS_PER_SOCKET; i++) {
      ids.push((await s.request('POST', `/api/workflows/${workflowId}/run`, { body: {} })).body.executionId);
    }
    const c = await connectLive(s.url, { token: s.token });
    for (const [i, exec] of ids.slice(0, MAX_SUBSCRIPTIONS_PER_SOCKET).entries()) c.send({ type: 'subscribe', id: i, topic: `execution:${exec}` });
    await c.waitFor((f) => f.type === 'subscribed' && f.id === MAX_SUBSCRIPTIONS_PER_SOCKET - 1);
    c.send({ type: 'subscribe', id: 'over', topic: `execution:${ids.at(-1)}` });
    expect(await c.waitFor((f) => f.id === 'over')).toMatchObject({ type: 'error', code: 'too_many_subscriptions' });
    c.send({ type: 'subscribe', id: 'again', topic: `execution:${ids[0]}` });
    expect(await c.waitFor((f) => f.id === 'again')).toMatchObject({ type: 'subscribed' });
    c.send({ type: 'unsubscribe', id: 'drop', topic: `execution:${ids[1]}` });
    await c.waitFor((f) => f.id === 'drop');
    c.send({ type: 'subscribe', id: 'room', topic: `execution:${ids.at(-1)}` });
    expect(await c.waitFor((f) => f.id === 'room')).toMatchObject({ type: 'subscribed' });
    c.close();
  });
});
