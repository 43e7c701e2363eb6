import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeServerMessage, encodeClientMessage, encodeEventsFrame, OutgoingFrameError } from './codec';

const grant = {
  executionId: 'exe_1',
  attempt: 1,
  leaseMs: 15000,
  workflowId: 'wf_1',
  workflowVersion: 1,
  definition: { name: 'x', steps: [] },
  inputs: {},
  trigger: null,
  sessionId: null,
  completed: [],
  stepAttempts: {},
  policy: { allowBash: false },
};

describe('decodeServerMessage', () => {
  const accepted: [string, unknown][] = [
    ['welcome', { type: 'welcome', id: 'hello', runnerId: 'rnr_1', heartbeatMs: 5000, leaseMs: 15000 }],
    ['lease', { type: 'lease', grant }],
    ['heartbeat_ack', { type: 'heartbeat_ack', lost: [{ executionId: 'exe_1', attempt: 1, reason: 'expired' }] }],
    ['ack', { type: 'ack', executionId: 'exe_1', attempt: 1, seq: 4 }],
    ['reject', { type: 'reject', executionId: 'exe_1', attempt: 1, code: 'seq_gap', message: 'gap' }],
    ['cancel', { type: 'cancel', executionId: 'exe_1', attempt: 2, reason: 'by user' }],
    ['error with null id', { type: 'error', id: null, code: 'bad_frame', message: 'nope' }],
  ];
  it.each(accepted)('accepts %s', (_name, frame) => {
    const decoded = decodeServerMessage(Buffer.from(JSON.stringify(frame)));
    expect(decoded.ok).toBe(true);
  });

  const rejected: [string, unknown, RegExp][] = [
    ['not JSON', '{nope', /not JSON/],
    ['an unknown type', JSON.stringify({ type: 'hug' }), /type/],
    ['a lease without grant', JSON.stringify({ type: 'lease' }), /grant/],
    ['an ack with a negative seq', JSON.stringify({ type: 'ack', executionId: 'e', attempt: 1, seq: -1 }), /seq/],
    ['a welcome without heartbeatMs', JSON.stringify({ type: 'welcome', runnerId: 'r', leaseMs: 1 }), /heartbeatMs/],
    ['a JSON array', '[]', /frame/],
  ];
  it.each(rejected)('rejects %s without throwing', (_name, text, reason) => {
    const decoded = decodeServerMessage(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });

  it('rejects binary frames it cannot read', () => {
    expect(decodeServerMessage(42).ok).toBe(false);
  });
});

describe('encodeClientMessage', () => {
  it('serialises a valid events frame', () => {
    const text = encodeClientMessage({
      type: 'events',
      id: 'f1',
      executionId: 'exe_1',
      attempt: 1,
      events: [{ seq: 1, type: 'step.started', stepId: 'a', iterationPath: '', attempt: 1 }],
    });
    expect(JSON.parse(text)).toMatchObject({ type: 'events', events: [{ seq: 1, type: 'step.started' }] });
  });

  it('writes an events frame from its events already serialised exactly as it serialises the frame whole', () => {
    const event = fc.record({
      seq: fc.integer({ min: 1, max: 1000 }),
      type: fc.constant('step.succeeded' as const),
      stepId: fc.constantFrom('a', 'b-2', 'ü'),
      iterationPath: fc.constantFrom('', '0', '1.2'),
      attempt: fc.integer({ min: 1, max: 100 }),
      output: fc.jsonValue(),
    });
    fc.assert(
      fc.property(fc.option(fc.constantFrom('f1', 'f22')), fc.array(event, { minLength: 1, maxLength: 5 }), (id, events) => {
        const frame = { type: 'events' as const, ...(id === null ? {} : { id }), executionId: 'exe_1', attempt: 2, events };
        const text = encodeEventsFrame(
          frame,
          events.map((e) => JSON.stringify(e)),
        );
        expect(text).toBe(encodeClientMessage(frame));
      }),
    );
  });

  it('refuses an events frame whose envelope is invalid or whose texts do not match its events', () => {
    const events = [{ seq: 1, type: 'step.started' as const, stepId: 'a', iterationPath: '', attempt: 1 }];
    expect(() => encodeEventsFrame({ type: 'events', executionId: 'exe_1', attempt: 0, events }, ['{}'])).toThrow(/attempt/);
    expect(() => encodeEventsFrame({ type: 'events', executionId: 'exe_1', attempt: 1, events }, [])).toThrow(OutgoingFrameError);
  });

  it('refuses an invalid frame before it is sent', () => {
    expect(() => encodeClientMessage({ type: 'events', executionId: 'exe_1', attempt: 1, events: [] })).toThrow(OutgoingFrameError);
    expect(() => encodeClientMessage({ type: 'hello', protocolVersion: 1, runnerId: 'r', name: 'n', capacity: 0, holding: [] })).toThrow(/capacity/);
  });
});
