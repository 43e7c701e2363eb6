import { describe, expect, it } from 'vitest';
import { comparePair } from './compare-path';

describe('comparePair', () => {
  it('reads two different version numbers and nothing else', () => {
    expect(comparePair(new URLSearchParams('from=1&to=3'))).toEqual({ from: 1, to: 3 });
    expect(comparePair(new URLSearchParams('from=2&to=2'))).toBeNull();
    expect(comparePair(new URLSearchParams('from=0&to=3'))).toBeNull();
    expect(comparePair(new URLSearchParams('from=1'))).toBeNull();
    expect(comparePair(new URLSearchParams('from=1.5&to=3'))).toBeNull();
  });
});
