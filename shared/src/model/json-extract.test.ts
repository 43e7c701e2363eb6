import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractJsonObject } from './json-extract';

describe('extractJsonObject', () => {
  it.each([
    ['plain JSON', '{"definition": {"name": "x"}}', { definition: { name: 'x' } }],
    ['surrounding whitespace', '\n  {"a": 1}  \n', { a: 1 }],
    ['a ```json fence', 'Here you go:\n```json\n{"a": 1}\n```\nDone.', { a: 1 }],
    ['a bare ``` fence', '```\n{"a": [1, 2]}\n```', { a: [1, 2] }],
    ['the json fence over another', '```text\n{not json}\n```\n```json\n{"b": 2}\n```', { b: 2 }],
    ['prose around', 'Sure! The workflow is {"name": "w", "steps": []} as requested.', { name: 'w', steps: [] }],
    ['braces inside strings', 'x {"cmd": "echo \\"}\\" {{ item }}", "n": {"deep": "}{"}} y', { cmd: 'echo "}" {{ item }}', n: { deep: '}{' } }],
    ['a brace before the object', 'Use {braces} like {"a": true}', { a: true }],
    ['prose inside a fence', '```json\nHere: {"a": null}\n```', { a: null }],
  ])('%s', (_label, text, value) => {
    expect(extractJsonObject(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['empty', ''],
    ['no JSON', 'I cannot do that.'],
    ['an array', '[1, 2, 3]'],
    ['unclosed', '{"a": 1'],
    ['broken', '{"a": 1,,}'],
    ['a fenced array', '```json\n[1]\n```'],
    ['not a string', 42],
  ])('%s -> not ok', (_label, text) => {
    const result = extractJsonObject(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
  });

  it('never throws and only returns plain objects (property)', () => {
    const pieces = fc.oneof(fc.string(), fc.constantFrom('{', '}', '"', '\\', '```json\n', '```', '[', ']', ':', ','), fc.json());
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }), (parts) => {
        const result = extractJsonObject(parts.join(''));
        if (result.ok) expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
        else expect(typeof result.error).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('finds any object embedded in prose (property)', () => {
    const object = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }));
    const prose = fc.string({ maxLength: 30 }).map((text) => text.replace(/[{}]/g, ''));
    fc.assert(
      fc.property(prose, object, prose, (before, value, after) => {
        const result = extractJsonObject(`${before}${JSON.stringify(value)}${after}`);
        expect(result).toEqual({ ok: true, value: JSON.parse(JSON.stringify(value)) });
      }),
      { numRuns: 300 },
    );
  });
});
