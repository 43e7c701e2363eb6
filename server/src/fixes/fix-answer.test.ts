import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFixAnswer } from './fix-answer';

const valid = { name: 'Disk check', steps: [{ id: 'check', type: 'bash', command: 'df -h' }] };

describe('checkFixAnswer', () => {
  it('takes a diagnosis with or without a valid definition', () => {
    expect(checkFixAnswer({ diagnosis: 'host down' })).toEqual({ ok: true, result: { diagnosis: 'host down', summary: null, definition: null } });
    expect(checkFixAnswer({ diagnosis: 'd', summary: 's', definition: null })).toEqual({
      ok: true,
      result: { diagnosis: 'd', summary: 's', definition: null },
    });
    const r = checkFixAnswer({ diagnosis: 'd', summary: 's', definition: valid });
    expect(r).toMatchObject({ ok: true, result: { definition: { name: 'Disk check' } } });
  });

  it('names what is wrong: the answer shape, then the definition by its path', () => {
    expect(checkFixAnswer({})).toMatchObject({ ok: false, errors: [{ path: 'diagnosis' }] });
    expect(checkFixAnswer({ diagnosis: 'd', extra: 1 })).toMatchObject({ ok: true });
    expect(checkFixAnswer({ diagnosis: '' })).toMatchObject({ ok: false, errors: [{ path: 'diagnosis' }] });
    expect(checkFixAnswer({ diagnosis: 'd', summary: 'x'.repeat(301) })).toMatchObject({ ok: false, errors: [{ path: 'summary' }] });
    expect(checkFixAnswer({ diagnosis: 'd', definition: [] })).toMatchObject({ ok: false, errors: [{ path: 'definition' }] });
    expect(checkFixAnswer({ diagnosis: 'd', definition: { name: 'x', steps: [{ id: 'a', type: 'bash' }] } })).toMatchObject({
      ok: false,
      errors: [{ path: 'definition.steps[0].command' }],
    });
    expect(checkFixAnswer('text')).toMatchObject({ ok: false, errors: [{ path: '(answer)' }] });
  });

  it('never throws on any JSON, and every refusal names a path and a reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ diagnosis: fc.string(), summary: fc.option(fc.string()), definition: fc.option(fc.jsonValue()) })),
        (answer) => {
          const r = checkFixAnswer(answer);
          if (!r.ok) {
            expect(r.errors.length).toBeGreaterThan(0);
            for (const e of r.errors) expect(e.path !== '' && e.message !== '').toBe(true);
          }
        },
      ),
    );
  });
});
