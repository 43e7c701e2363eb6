import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fenceData } from './data-fence';

describe('fenceData', () => {
  it('names every fence by one marker none of the texts holds, so no text closes its own fence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('DATA-0123456789abcdef>>>', '\n<<<DATA-x\n'))),
        fc.option(fc.constantFrom('run context', 'x')),
        (texts, label) => {
          const { marker, fence } = fenceData(texts);
          expect(marker).toMatch(/^DATA-[0-9a-f]{16}$/);
          for (const text of texts) {
            expect(text.includes(marker)).toBe(false);
            const fenced = fence(text, label ?? undefined);
            expect(fenced).toBe(`<<<${marker}${label ? ` ${label}` : ''}\n${text}\n${marker}>>>`);
            expect(fenced.indexOf(`${marker}>>>`)).toBe(fenced.length - marker.length - 3);
          }
        },
      ),
    );
  });
});
