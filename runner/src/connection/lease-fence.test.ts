import { describe, expect, it } from 'vitest';
import type { LeaseRef } from '../engine/types';
import { LeaseFence } from './lease-fence';

/** A fence on a hand-moved clock; `expired` records what it stopped, in order, with the time. */
function fence(leaseMs = 15_000, { keep = false }: { keep?: boolean } = {}) {
  let now = 1_000;
  const held: LeaseRef[] = [];
  const expired: string[] = [];
  const f = new LeaseFence({
    held: () => held,
    onExpired: (lease) => {
      expired.push(`${lease.executionId}@${now}`);
      if (!keep)
        held.splice(
          held.findIndex((l) => l.executionId === lease.executionId),
          1,
        );
    },
    now: () => now,
    setInterval: () => 0,
    clearInterval: () => {},
  });
  f.setLeaseMs(leaseMs);
  const at = (t: number) => {
    now = t;
    f.check();
  };
  const grant = (executionId: string, attempt = 1) => {
    held.push({ executionId, attempt });
    f.granted({ executionId, attempt });
  };
  return { f, held, expired, at, grant };
}

describe('LeaseFence: the runner stops before the server can expire its lease', () => {
  it('a lease never renewed dies leaseMs - margin after its grant (margin: a fifth of the lease)', () => {
    const { f, expired, at, grant } = fence(15_000);
    grant('a');
    expect(f.marginMs).toBe(3_000);
    at(12_999);
    expect(expired).toEqual([]);
    at(13_000);
    expect(expired).toEqual(['a@13000']);
  });

  it('an acknowledged heartbeat renews from the moment it was sent, not when the ack came', () => {
    const { f, expired, at, grant } = fence(15_000);
    grant('a');
    at(5_000);
    f.beatSent('hb1', [{ executionId: 'a', attempt: 1 }]);
    at(9_000); // the ack is slow
    f.acked('hb1', []);
    at(16_999);
    expect(expired).toEqual([]);
    at(17_000); // 5,000 + 15,000 - 3,000
    expect(expired).toEqual(['a@17000']);
  });

  it('unanswered beats, beats from another connection and leases the server listed as lost renew nothing', () => {
    const { f, expired, at, grant } = fence(15_000);
    grant('a');
    grant('b');
    at(4_000);
    f.beatSent('hb1', [
      { executionId: 'a', attempt: 1 },
      { executionId: 'b', attempt: 1 },
    ]);
    f.beatSent('hb2', [
      { executionId: 'a', attempt: 1 },
      { executionId: 'b', attempt: 1 },
    ]);
    f.acked('hb2', [{ executionId: 'b', attempt: 1 }]);
    f.acked('hb-unknown', []);
    f.acked(undefined, []);
    at(13_000);
    expect(expired).toEqual(['b@13000']);
    at(16_000);
    expect(expired).toEqual(['b@13000', 'a@16000']);
  });

  it('a renewal of one attempt does not extend another attempt of the same execution', () => {
    const { f, expired, at, grant } = fence(1_000);
    grant('a', 1);
    at(500);
    f.beatSent('hb1', [{ executionId: 'a', attempt: 2 }]);
    f.acked('hb1', []);
    at(1_800);
    expect(expired).toEqual(['a@1800']);
  });

  it('stops a lease once, even while it stays held (its events waiting for an answer)', () => {
    const { expired, at, grant } = fence(1_000, { keep: true });
    grant('a');
    at(1_800);
    at(5_000);
    at(50_000);
    expect(expired).toEqual(['a@1800']);
  });

  it('keeps no deadline for leases it no longer holds', () => {
    const { f, held, at, grant } = fence(1_000);
    grant('a');
    held.length = 0;
    at(1_500);
    expect(f.deadlineOf({ executionId: 'a', attempt: 1 })).toBeUndefined();
  });
});
