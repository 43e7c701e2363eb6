import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIX_CUT_MARKER, FIX_LOG_LINE_MAX_CHARS, FIX_LOG_LINES, FIX_VALUE_MAX_CHARS } from './fix';
import { cutFixText, cutLogTail, toFixValue } from './fix-value';

describe('fix value cuts', () => {
  it('cutFixText keeps short text and marks a cut one, never longer than the limit', () => {
    expect(cutFixText('short', 10)).toBe('short');
    expect(cutFixText('x'.repeat(11), 10)).toBe(`${'x'.repeat(9)}${FIX_CUT_MARKER}`);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (text, max) => {
        const cut = cutFixText(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(cut).toBe(text);
        else expect(text.startsWith(cut.slice(0, -FIX_CUT_MARKER.length))).toBe(true);
      }),
    );
  });

  it('cutLogTail keeps the newest lines, each and all together bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 1200 }), { maxLength: 40 }), (lines) => {
        const tail = cutLogTail(lines);
        expect(tail.length).toBeLessThanOrEqual(FIX_LOG_LINES);
        expect(tail.every((l) => l.length <= FIX_LOG_LINE_MAX_CHARS)).toBe(true);
        expect(tail.join('').length).toBeLessThanOrEqual(FIX_VALUE_MAX_CHARS);
        // A suffix of the input, each line cut.
        expect(tail).toEqual(lines.slice(lines.length - tail.length).map((l) => cutFixText(l, FIX_LOG_LINE_MAX_CHARS)));
      }),
    );
    expect(cutLogTail(['a'.repeat(100_000), 'b'])).toEqual([`${'a'.repeat(FIX_LOG_LINE_MAX_CHARS - 1)}${FIX_CUT_MARKER}`, 'b']);
  });

  it('toFixValue cuts JSON text', () => {
    expect(toFixValue('x'.repeat(10), 5)).toEqual({ json: '"xxxx', truncated: true });
  });
});
