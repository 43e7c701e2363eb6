import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindArguments, translate, UnsupportedSqlError } from '../../src/db/postgres/dialect';

/** Text PostgreSQL reads as one literal, identifier or comment, with parameter-like characters inside. */
const noise = fc.stringMatching(/^[a-z ?@:$,()'"*/\n-]{0,12}$/);
const quoted = fc.oneof(
  noise.map((s) => `'${s.replaceAll("'", "''")}'`),
  noise.map((s) => `"${s.replaceAll('"', '""')}"`),
  noise.map((s) => `/* ${s.replaceAll('*/', '* /').replaceAll('/*', '/ *')} */`),
  noise.map((s) => `-- ${s.replaceAll('\n', ' ')}\n`),
  noise.map((s) => `$$${s.replaceAll('$', '')}$$`),
  noise.map((s) => `$q$${s.replaceAll('$', '')}$q$`),
  noise.map((s) => `E'${s.replaceAll("'", "\\'")}'`),
);
const plain = fc.constantFrom('SELECT', 'a', 'b.c', ',', '(', ')', '=', 'x::text', '1', 'FROM t', 'WHERE');
const name = fc.constantFrom('id', 'topic', 'seq', 'a_b', 'x1');

describe('dialect: SQLite parameters to PostgreSQL', () => {
  it('numbers ? in order and never rewrites inside quotes or comments', () => {
    const segment = fc.oneof({ arbitrary: quoted, weight: 2 }, { arbitrary: plain, weight: 2 }, { arbitrary: fc.constant(null), weight: 1 });
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 20 }), (segments) => {
        let n = 0;
        const sql = segments.map((s) => s ?? '?').join(' ');
        const expected = segments.map((s) => s ?? `$${++n}`).join(' ');
        const t = translate(sql);
        expect(t.text).toBe(expected);
        expect(t.positional).toBe(n);
        expect(t.names).toEqual([]);
      }),
    );
  });

  it('maps @name, :name and $name by first appearance, reusing a repeated name', () => {
    const param = fc.tuple(fc.constantFrom('@', ':', '$'), name);
    const segment = fc.oneof(quoted, plain, param);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 20 }), (segments) => {
        const order: string[] = [];
        const sql = segments.map((s) => (Array.isArray(s) ? s.join('') : s)).join(' ');
        const expected = segments
          .map((s) => {
            if (!Array.isArray(s)) return s;
            if (!order.includes(s[1])) order.push(s[1]);
            return `$${order.indexOf(s[1]) + 1}`;
          })
          .join(' ');
        const t = translate(sql);
        expect(t.text).toBe(expected);
        expect(t.names).toEqual(order);
        // Binding an object puts each value at its name's number.
        const values = Object.fromEntries(order.map((k, i) => [k, i * 10]));
        if (order.length > 0) expect(bindArguments(t, [values])).toEqual(order.map((_, i) => i * 10));
      }),
    );
  });

  it('skips dollar-quoted and escape strings (review: their ? and @name were rewritten)', () => {
    expect(translate('SELECT $$a?b$$, ?').text).toBe('SELECT $$a?b$$, $1');
    expect(translate("SELECT $q$it's @x$q$, @y").text).toBe("SELECT $q$it's @x$q$, $1");
    expect(translate("SELECT E'it\\'s ?', ?").text).toBe("SELECT E'it\\'s ?', $1");
    const t = translate('UPDATE t SET v = $$hi @name$$ WHERE id = @id');
    expect(t.names).toEqual(['id']);
    expect(t.text).toBe('UPDATE t SET v = $$hi @name$$ WHERE id = $1');
  });

  it('any text either translates or is refused with UnsupportedSqlError, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (sql) => {
        try {
          translate(sql);
        } catch (err) {
          expect(err).toBeInstanceOf(UnsupportedSqlError);
        }
      }),
    );
  });

  it('leaves casts and PostgreSQL operators alone, maps BEGIN modes, refuses mixed styles', () => {
    expect(translate("SELECT x::int, '{}'::jsonb @> ? FROM t").text).toBe("SELECT x::int, '{}'::jsonb @> $1 FROM t");
    expect(translate('BEGIN IMMEDIATE').text).toBe('BEGIN');
    expect(translate('  begin exclusive transaction;').text).toBe('BEGIN');
    expect(() => translate('SELECT ?, @a')).toThrow(/mixed/);
    expect(() => translate('/* x */ PRAGMA user_version')).toThrow(/PRAGMA is SQLite-only/);
    expect(() => translate('REPLACE INTO t VALUES (1)')).toThrow(UnsupportedSqlError);
  });
});
