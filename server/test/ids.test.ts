import { describe, expect, it } from 'vitest';
import { newId } from '../src/db/ids';

describe('newId', () => {
  it('sorts in creation order, also for ids made within one millisecond', () => {
    const now = Date.parse('2026-02-01T04:00:20Z');
    const ids = [...Array.from({ length: 2000 }, () => newId('ex', now)), newId('ex', now + 1), newId('ex', now + 1), newId('ex', now + 2)];
    expect(ids.slice().sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^ex_[0-9a-hjkmnp-tv-z]{20}$/);
  });
});
