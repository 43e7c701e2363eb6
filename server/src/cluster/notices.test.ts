import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatStops } from './chat-stops';
import { runnerWakeups } from './runner-wakeups';

describe('cluster notices', () => {
  it('reads the messages they carry', () => {
    expect(runnerWakeups.parse('{"type":"cancel","runnerId":"r1","executionId":"ex_1","attempt":2}')).toEqual({
      type: 'cancel',
      runnerId: 'r1',
      executionId: 'ex_1',
      attempt: 2,
    });
    expect(chatStops.parse('{"type":"stop","sessionId":"ses_1"}')).toEqual({ type: 'stop', sessionId: 'ses_1' });
  });

  it('refuses what any database client could notify instead: not JSON, wrong shape, wrong type, out of bounds', () => {
    for (const payload of [
      '',
      'cancel',
      '[]',
      'null',
      '{"type":"cancel"}',
      '{"type":"cancel","runnerId":"r","executionId":"e","attempt":1.5}',
      '{"type":"stop","sessionId":1}',
    ]) {
      expect(runnerWakeups.parse(payload)).toBeNull();
    }
    expect(chatStops.parse(`{"type":"stop","sessionId":"${'x'.repeat(101)}"}`)).toBeNull();
    expect(chatStops.parse('{"type":"stop","sessionId":""}')).toBeNull();
    expect(chatStops.parse('{"type":"cancel","runnerId":"r","executionId":"e","attempt":1}')).toBeNull();
  });

  it('never throws on any payload, and what it accepts is the shape it promises', () => {
    const payloads = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          type: fc.constantFrom('cancel', 'stop', 'other'),
          runnerId: fc.anything(),
          executionId: fc.anything(),
          attempt: fc.anything(),
          sessionId: fc.anything(),
        })
        .map((v) => JSON.stringify(v) ?? ''),
    );
    fc.assert(
      fc.property(payloads, (payload) => {
        const cancel = runnerWakeups.parse(payload);
        if (cancel) expect(typeof cancel.runnerId === 'string' && typeof cancel.executionId === 'string' && Number.isSafeInteger(cancel.attempt)).toBe(true);
        const stop = chatStops.parse(payload);
        if (stop) expect(typeof stop.sessionId === 'string' && stop.sessionId.length > 0).toBe(true);
      }),
    );
  });
});
