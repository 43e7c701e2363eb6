import { describe, expect, it } from 'vitest';
import { decodeRunnerClientFrame } from './runner-frames';

const hello = { type: 'hello', id: 'h1', protocolVersion: 1, runnerId: 'r1', name: 'box', capacity: 2 };

describe('decodeRunnerClientFrame (the gateway and the runner tests’ fake server both read frames with it)', () => {
  it.each([
    ['hello, holding defaulted', hello, { ...hello, holding: [] }],
    ['heartbeat', { type: 'heartbeat', id: 7, leases: [{ executionId: 'ex_1', attempt: 1 }] }, undefined],
    ['tools_list', { type: 'tools_list', id: 't1' }, undefined],
    [
      'events',
      { type: 'events', id: 'e1', executionId: 'ex_1', attempt: 1, events: [{ seq: 1, type: 'execution.finished', status: 'succeeded', output: null }] },
      undefined,
    ],
  ])('accepts %s', (_name, frame, expected) => {
    expect(decodeRunnerClientFrame(JSON.stringify(frame))).toEqual({ ok: true, message: expect.objectContaining(expected ?? frame) });
  });

  it.each([
    ['text that is not JSON', '{nope', { id: null, message: 'frame is not valid JSON' }],
    ['a binary frame', null, { id: null, message: 'frame is not valid JSON' }],
    ['an unknown type, echoing its id', JSON.stringify({ type: 'teleport', id: 'x9' }), { id: 'x9', message: expect.stringMatching(/^type: /) }],
    ['a numeric id, echoed as a number', JSON.stringify({ ...hello, id: 4, capacity: 0 }), { id: 4, message: expect.stringMatching(/^capacity: /) }],
    [
      'an id of the wrong type, answered with null',
      JSON.stringify({ type: 'heartbeat', id: { no: 1 }, leases: [] }),
      { id: null, message: expect.stringMatching(/^id: /) },
    ],
    [
      'events with no events',
      JSON.stringify({ type: 'events', id: 'e', executionId: 'ex_1', attempt: 1, events: [] }),
      { id: 'e', message: expect.stringMatching(/^events: /) },
    ],
  ])('refuses %s with a bad_frame error', (_name, text, reply) => {
    expect(decodeRunnerClientFrame(text)).toEqual({ ok: false, reply: { type: 'error', code: 'bad_frame', ...reply } });
  });
});
