import { describe, expect, it } from 'vitest';
import { excerpt, formatDuration } from './text';

describe('excerpt', () => {
  it.each([
    ['short', 'short'],
    ['', ''],
    ['\n\n  first   line  \n', 'first line'],
    ['one\ntwo', 'one …'],
    ['a'.repeat(100), `${'a'.repeat(79)}…`],
  ])('%j -> %j', (text, expected) => {
    expect(excerpt(text)).toBe(expected);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [60, '1m'],
    [90, '1m 30s'],
    [3600, '1h'],
    [3661, '1h 1m'],
    [604800, '7d'],
    [1.5, '1.5s'],
  ])('%d -> %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});
