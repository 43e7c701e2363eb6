import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkNotificationsReadRequest, NotificationsQuery } from './notifications';

/** A query string as the server hands it over: every value a string. */
const parse = (query: Record<string, string>) => NotificationsQuery.safeParse(query);

describe('NotificationsQuery', () => {
  it('reads unread, limit and before, and defaults limit to 50', () => {
    expect(parse({})).toMatchObject({ success: true, data: { limit: 50 } });
    expect(parse({ unread: 'true', limit: '10', before: 'ntf_01abc' })).toEqual({ success: true, data: { unread: true, limit: 10, before: 'ntf_01abc' } });
    expect(parse({ unread: '0' })).toMatchObject({ success: true, data: { unread: false } });
  });

  it('property: unread is true only for "true" or "1", and any other word is refused, never read as truthy', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (word) => {
        const result = parse({ unread: word });
        if (['true', '1'].includes(word)) return result.success && result.data.unread === true;
        if (['false', '0'].includes(word)) return result.success && result.data.unread === false;
        return !result.success && result.error.issues[0]!.path[0] === 'unread';
      }),
    );
  });

  it('property: limit is accepted exactly for whole numbers 1-200, and a refusal names limit', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.double().map(String), fc.string({ maxLength: 6 })), (text) => {
        const n = Number(text);
        const valid = text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 200;
        const result = parse({ limit: text });
        return valid ? result.success && result.data.limit === n : !result.success && result.error.issues[0]!.path[0] === 'limit';
      }),
    );
  });

  it('property: any other parameter is refused by name', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !['unread', 'limit', 'before'].includes(k) && k !== '__proto__'),
        (key) => {
          const result = parse({ [key]: 'x' });
          return !result.success && JSON.stringify(result.error.issues).includes(JSON.stringify(key).slice(1, -1));
        },
      ),
    );
  });
});

describe('MarkNotificationsReadRequest', () => {
  it.each([
    [{ ids: ['ntf_1'] }, true],
    [{ all: true }, true],
    [{}, false],
    [{ ids: [] }, false],
    [{ all: false }, false],
    [{ ids: ['ntf_1'], all: true }, false],
    [{ ids: ['apr_1'] }, false],
  ])('%j -> %s', (body, ok) => {
    expect(MarkNotificationsReadRequest.safeParse(body).success).toBe(ok);
  });
});
