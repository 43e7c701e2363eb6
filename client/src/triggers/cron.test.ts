import { describe, expect, it } from 'vitest';
import { describeCron, nextRuns } from './cron';

const iso = (dates: Date[] | null) => (dates ?? []).map((d) => d.toISOString());

describe('describeCron', () => {
  it('reads a cron the way the schedules page shows it', () => {
    expect(describeCron('0 9 * * 1-5')).toEqual({ ok: true, text: 'At 09:00 AM, Monday through Friday' });
    expect(describeCron('*/15 * * * *')).toEqual({ ok: true, text: 'Every 15 minutes' });
  });

  it('says why an expression cannot be read', () => {
    expect(describeCron('')).toEqual({ ok: false, message: 'Enter a cron expression' });
    const bad = describeCron('61 * * * *');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.message).toMatch(/minutes part must be >= 0 and <= 59/);
  });
});

describe('nextRuns', () => {
  it('finds weekday mornings in the trigger timezone, skipping the weekend', () => {
    // Friday 2025-01-03 10:00 UTC = 11:00 in Berlin: the next ticks are Monday to Wednesday.
    const runs = nextRuns({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', after: new Date('2025-01-03T10:00:00Z'), count: 3 });
    expect(iso(runs)).toEqual(['2025-01-06T08:00:00.000Z', '2025-01-07T08:00:00.000Z', '2025-01-08T08:00:00.000Z']);
  });

  it('follows daylight saving time', () => {
    const runs = nextRuns({ cron: '30 2 * * *', timezone: 'America/New_York', after: new Date('2025-03-08T12:00:00Z'), count: 2 });
    // 02:30 does not exist on 2025-03-09 in New York: it fires after the gap, then at 02:30 EDT.
    expect(iso(runs)).toEqual(['2025-03-09T07:30:00.000Z', '2025-03-10T06:30:00.000Z']);
  });

  it('reads steps, lists, names and aliases; either day field matches when both are set', () => {
    expect(iso(nextRuns({ cron: '*/20 8-9 * JAN,FEB mon', timezone: 'UTC', after: new Date('2025-01-01T00:00:00Z'), count: 3 }))).toEqual([
      '2025-01-06T08:00:00.000Z',
      '2025-01-06T08:20:00.000Z',
      '2025-01-06T08:40:00.000Z',
    ]);
    const runs = nextRuns({ cron: '@daily', timezone: 'UTC', after: new Date('2025-01-01T00:00:00Z'), count: 1 });
    expect(iso(runs)).toEqual(['2025-01-02T00:00:00.000Z']);
    const either = nextRuns({ cron: '0 0 15 * 1', timezone: 'UTC', after: new Date('2025-01-01T00:00:00Z'), count: 2 });
    expect(iso(either)).toEqual(['2025-01-06T00:00:00.000Z', '2025-01-13T00:00:00.000Z']);
  });

  it("reads what the server's croner reads (L, #, seconds) and nothing it refuses", () => {
    const after = new Date('2025-01-01T00:00:00Z');
    expect(iso(nextRuns({ cron: '0 9 L * *', timezone: 'UTC', after, count: 1 }))).toEqual(['2025-01-31T09:00:00.000Z']);
    expect(iso(nextRuns({ cron: '0 9 * * 1#2', timezone: 'UTC', after, count: 1 }))).toEqual(['2025-01-13T09:00:00.000Z']);
    expect(iso(nextRuns({ cron: '30 0 9 * * 1-5', timezone: 'UTC', after, count: 1 }))).toEqual(['2025-01-01T09:00:30.000Z']);
    expect(nextRuns({ cron: '61 * * * *', timezone: 'UTC', after, count: 1 })).toBeNull();
    expect(nextRuns({ cron: '0 9 * *', timezone: 'UTC', after, count: 1 })).toBeNull();
  });
});
