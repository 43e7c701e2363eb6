import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { linearRegExpEngine } from '../json-schema/linear-regexp';
import { STEP_TYPES } from '../steps/catalogue';
import { escapeHiddenCharacters } from './hidden-characters';
import { formatPath, joinPath } from './path';
import { validateWorkflowDefinition, type ValidateOptions } from './validate';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The engine the server validates JSON Schema patterns with (and the runner compiles them with). */
const regExp = linearRegExpEngine(RE2JS);

/** The contract checked on every run: a result, never a throw, always well-formed. */
function expectWellFormed(input: unknown, options?: ValidateOptions): ReturnType<typeof validateWorkflowDefinition> {
  const result = validateWorkflowDefinition(input, options);
  if (result.ok) {
    expect(typeof result.definition).toBe('object');
  } else {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(typeof error.path).toBe('string');
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
  }
  return result;
}

// ---- a small arbitrary of valid definitions -------------------------------

const INPUTS = {
  region: { type: 'string', default: 'eu' },
  count: { type: 'number' },
  dry_run: { type: 'boolean', default: false, description: 'no changes' },
} as const;

// ---- JSON Schemas with patterns ---------------------------------------------

type Pattern = { pattern: string; ok: boolean };
/** Patterns RE2 runs, some that look like lookarounds to a careless reader. */
const goodPattern: fc.Arbitrary<Pattern> = fc
  .constantFrom('^[a-z]+$', '^\\d{3}-\\d{4}$', '(a|b)*c', '^caf\\u00e9$', '^[(?=]\\(?=x\\)$', '^(?:x|y)$', '\\bword\\b', '^[^\\\\1]$')
  .map((pattern) => ({ pattern, ok: true }));
/** Patterns RE2 cannot run: lookaround and backreferences. */
const badPattern: fc.Arbitrary<Pattern> = fc
  .constantFrom('^(?=.*\\d).+$', 'a(?!b)', '(?<=x)y', '(?<!x)y', '^(a)\\1$', '(["\'])x\\1', '(?<q>a)\\k<q>')
  .map((pattern) => ({ pattern, ok: false }));

/** A schema and the paths (relative to it) of the patterns in it RE2 cannot run. */
type GeneratedSchema = { schema: Record<string, Json>; bad: (string | number)[][] };

function schemaArbitrary(patternSlot: fc.Arbitrary<Pattern>): fc.Arbitrary<GeneratedSchema> {
  const { node } = fc.letrec<{ node: GeneratedSchema }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ pattern: fc.option(patternSlot, { nil: undefined }), data: fc.boolean() }).map(({ pattern, data }) => {
        const schema: Record<string, Json> = { type: 'string' };
        const bad: (string | number)[][] = [];
        if (pattern) {
          schema.pattern = pattern.pattern;
          if (!pattern.ok) bad.push(['pattern']);
        }
        // Data that looks like a schema with a lookahead: never a pattern.
        if (data) Object.assign(schema, { default: { pattern: '(?=x)' }, examples: [{ pattern: '(?=x)' }], const: { pattern: '(?=x)' } });
        return { schema, bad };
      }),
      fc
        .tuple(fc.constantFrom('items', 'not', 'additionalProperties', 'propertyNames', 'contains', 'if', 'then', 'else'), tie('node'))
        .map(([keyword, child]) => ({ schema: { [keyword]: child.schema }, bad: child.bad.map((path) => [keyword, ...path]) })),
      fc.tuple(fc.constantFrom('allOf', 'anyOf', 'oneOf', 'items'), fc.array(tie('node'), { minLength: 1, maxLength: 3 })).map(([keyword, children]) => ({
        schema: { [keyword]: children.map((child) => child.schema) },
        bad: children.flatMap((child, index) => child.bad.map((path) => [keyword, index, ...path])),
      })),
      fc
        .tuple(
          fc.constantFrom('properties', '$defs', 'definitions', 'dependencies'),
          fc.dictionary(fc.constantFrom('a', 'b', 'pattern', 'items', 'x y'), tie('node'), { maxKeys: 3 }),
        )
        .map(([keyword, children]) => ({
          schema: { [keyword]: Object.fromEntries(Object.entries(children).map(([name, child]) => [name, child.schema])) },
          bad: Object.entries(children).flatMap(([name, child]) => child.bad.map((path) => [keyword, name, ...path])),
        })),
      fc.uniqueArray(fc.tuple(patternSlot, tie('node')), { selector: ([key]) => key.pattern, maxLength: 3 }).map((entries) => ({
        schema: { patternProperties: Object.fromEntries(entries.map(([key, child]) => [key.pattern, child.schema])) },
        bad: entries.flatMap(([key, child]) => [
          ...(key.ok ? [] : [['patternProperties', key.pattern]]),
          ...child.bad.map((path) => ['patternProperties', key.pattern, ...path]),
        ]),
      })),
    ),
  }));
  return node.map(({ schema, bad }) => ({ schema: { type: 'object', ...schema }, bad }));
}

/** Only patterns RE2 runs: what a valid definition may carry. */
const usableSchema = schemaArbitrary(goodPattern).map(({ schema }) => schema);

const safeText = fc.string({ maxLength: 20 }).filter((text) => !text.includes('{{'));
const nonBlank = fc.string({ minLength: 1, maxLength: 40 }).filter((text) => text.trim() !== '' && !text.includes('{{'));
const reference = fc.constantFrom('{{ inputs.region }}', '{{ inputs.count + 1 }}', '{{ trigger.user }}', '{{ inputs.dry_run == false }}');
const template = fc.tuple(nonBlank, fc.option(reference, { nil: undefined })).map(([text, ref]) => (ref === undefined ? text : `${text} ${ref}`));
// A bash command's {{ }} may not sit in quotes-within-quotes, arithmetic, backticks and the like,
// nor be an argument of a command that runs it (`.`, `eval`, `read`…): one plain `echo` command.
const shellText = nonBlank.filter((text) => !/[\\`'"$[()#<{;&|\n\r]/.test(text)).map((text) => `echo ${text}`);
const bashCommand = fc.tuple(shellText, fc.option(reference, { nil: undefined })).map(([text, ref]) => (ref === undefined ? text : `${text} ${ref}`));
const condition = fc.constantFrom('true', 'inputs.count > 2', '!inputs.dry_run', 'trigger.kind == "manual" || inputs.region != null');
const common = fc.record(
  {
    name: nonBlank,
    // At least the longest generated wait, at most the agent_prompt maximum.
    timeoutSeconds: fc.integer({ min: 600, max: 900 }),
    retry: fc.record({ maxAttempts: fc.integer({ min: 1, max: 10 }), backoffSeconds: fc.nat(60) }, { requiredKeys: ['maxAttempts'] }),
  },
  { requiredKeys: [] },
);

// Ids are filled in afterwards, in document order, so they are unique.
const leaf: fc.Arbitrary<Record<string, Json>> = fc
  .oneof(
    fc.record({ type: fc.constant('agent_prompt'), prompt: template, system: fc.option(safeText, { nil: undefined }) }),
    fc.record({ type: fc.constant('agent_prompt'), prompt: template, output: usableSchema.map((schema) => ({ schema })) }),
    fc.record({
      type: fc.constant('bash'),
      command: bashCommand,
      env: fc.option(fc.dictionary(fc.constantFrom('A', 'B_2', '_C'), template), { nil: undefined }),
    }),
    fc.record({
      type: fc.constant('notify'),
      message: template,
      channel: fc.constantFrom(undefined, 'session', { webhookUrl: 'https://hooks.example.com/x' }),
    }),
    fc.record({
      type: fc.constant('http'),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'),
      url: fc.constantFrom('https://api.example.com/v1', 'http://localhost:3000/{{ inputs.region }}'),
      body: fc.option(
        fc.jsonValue({ maxDepth: 3 }).filter((value) => !JSON.stringify(value).includes('{{')),
        { nil: undefined },
      ),
    }),
    fc.record({ type: fc.constant('approval'), message: template, onDeny: fc.constantFrom(undefined, 'fail', 'continue') }),
    fc.oneof(
      fc.record({ type: fc.constant('wait'), seconds: fc.integer({ min: 1, max: 600 }) }),
      fc.record({ type: fc.constant('wait'), until: fc.constant('2030-06-01T12:00:00+02:00') }),
    ),
  )
  .map(dropUndefined);

const { step } = fc.letrec<{ step: Record<string, Json>; list: Record<string, Json>[] }>((tie) => ({
  step: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ type: fc.constant('conditional'), condition, then: tie('list'), else: fc.option(tie('list'), { nil: undefined }) }).map(dropUndefined),
    fc
      .record({
        type: fc.constant('loop'),
        over: fc.oneof(fc.constant('trigger.items'), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 })),
        as: fc.constantFrom(undefined, 'region_item', 'x'),
        steps: tie('list'),
      })
      .map(dropUndefined),
  ),
  list: fc.array(tie('step'), { minLength: 1, maxLength: 3 }),
}));

const validDefinition = fc
  .record(
    {
      name: nonBlank,
      description: safeText,
      inputs: fc.constant(INPUTS),
      requires: fc.array(fc.constantFrom('github', 'slack'), { maxLength: 2 }),
      steps: fc.array(fc.tuple(step, common), { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['name', 'steps', 'inputs'] },
  )
  .map((definition) => {
    const steps: Record<string, Json>[] = (definition.steps ?? []).map(([body, extra]) => ({ ...body, ...extra }));
    let next = 0;
    const assign = (list: Record<string, Json>[]): void => {
      for (const item of list) {
        item.id = `s${next++}`;
        for (const key of ['then', 'else', 'steps'] as const) {
          const nested = item[key];
          if (Array.isArray(nested)) assign(nested as Record<string, Json>[]);
        }
      }
    };
    assign(steps);
    // A later top-level step may always read the first one.
    for (const later of steps.slice(1)) later.if = 'steps.s0.status == "succeeded"';
    return { ...definition, steps } as Record<string, Json>;
  });

function dropUndefined<T extends Record<string, unknown>>(value: T): Record<string, Json> {
  return Object.fromEntries(Object.entries(value).filter(([, child]) => child !== undefined)) as Record<string, Json>;
}

// ---- mutations of valid definitions ---------------------------------------

/** Every [parent, key] pair inside a JSON value. */
function slots(value: Json): [Json[] | { [key: string]: Json }, string | number][] {
  const out: [Json[] | { [key: string]: Json }, string | number][] = [];
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const [index, child] of node.entries()) {
        out.push([node, index]);
        visit(child);
      }
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        out.push([node, key]);
        visit(child);
      }
    }
  };
  visit(value);
  return out;
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    value: fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true, withSparseArray: true }),
  }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('rename' as const), key: fc.constantFrom('typo', 'commnd', '__proto__', 'constructor', 'type', 'id') }),
  fc.record({
    kind: fc.constant('string' as const),
    value: fc.oneof(fc.string(), fc.constantFrom('{{', '{{ steps.s9.output }}', '{{ item }}', 'a ===', 'f()', 'steps.s0.output', 'Bad Id', 'foo')),
  }),
  fc.record({ kind: fc.constant('step-type' as const), value: fc.constantFrom(...STEP_TYPES, 'unknown', '') }),
);

type Change = { kind: 'replace' | 'delete' | 'rename' | 'string' | 'step-type'; value?: unknown; key?: string };

function mutate(definition: Record<string, Json>, pick: number, change: Change): unknown {
  const copy = JSON.parse(JSON.stringify(definition)) as Json;
  const all = slots(copy);
  const slot = all[pick % Math.max(all.length, 1)];
  if (slot === undefined) return copy;
  const [parent, key] = slot;
  const target = parent as Record<string | number, unknown>;
  switch (change.kind) {
    case 'replace':
    case 'string':
      target[key] = change.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete target[key];
      break;
    case 'rename':
      if (!Array.isArray(parent) && change.key !== undefined) {
        Object.defineProperty(parent, change.key, { value: target[key], enumerable: true, writable: true, configurable: true });
        if (change.key !== key) delete target[key];
      }
      break;
    case 'step-type':
      if (!Array.isArray(parent) && typeof parent.type === 'string') parent.type = change.value as string;
      break;
    default: {
      const unexpected: never = change.kind;
      throw new Error(`unknown mutation ${String(unexpected)}`);
    }
  }
  return copy;
}

// Thousands of generated definitions: the 5 s default is too short on a loaded 2-core CI machine.
describe('validateWorkflowDefinition never throws', { timeout: 60_000 }, () => {
  it('on fc.anything()', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => {
          expectWellFormed(value);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on fc.jsonValue()', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => void expectWellFormed(value)),
      { numRuns: 1000 },
    );
  });

  it('on objects shaped like definitions with arbitrary contents', () => {
    fc.assert(
      fc.property(
        fc.record({
          name: fc.anything(),
          steps: fc.array(
            fc.record(
              {
                id: fc.anything(),
                type: fc.constantFrom(...STEP_TYPES),
                command: fc.anything(),
                then: fc.anything(),
                steps: fc.anything(),
                over: fc.anything(),
              },
              { requiredKeys: ['type'] },
            ),
          ),
        }),
        (value) => void expectWellFormed(value),
      ),
      { numRuns: 1000 },
    );
  });

  it('on mutated valid definitions', () => {
    fc.assert(
      fc.property(validDefinition, fc.nat(), mutation, (definition, pick, change) => {
        const result = expectWellFormed(mutate(definition, pick, change));
        if (result.ok) expect(JSON.parse(JSON.stringify(result.definition))).toEqual(result.definition);
      }),
      { numRuns: 1500 },
    );
  });

  it('on mutated valid definitions, with the RE2 engine checking their schemas', () => {
    fc.assert(
      fc.property(validDefinition, fc.nat(), mutation, (definition, pick, change) => {
        const input = mutate(definition, pick, change);
        const result = expectWellFormed(input, { regExp });
        // The engine only adds issues: what it accepts, the validator accepts without it.
        if (result.ok) expect(validateWorkflowDefinition(input)).toEqual(result);
      }),
      { numRuns: 500 },
    );
  });
});

describe('JSON Schema patterns, with the RE2 engine', { timeout: 60_000 }, () => {
  /** A definition carrying one generated schema: at the top, in a loop or in a conditional's branch. */
  const carrying = fc.tuple(schemaArbitrary(fc.oneof(goodPattern, badPattern)), fc.constantFrom('top', 'loop', 'then')).map(([generated, where]) => {
    const step = { id: 'ask', type: 'agent_prompt', prompt: 'Answer', output: { schema: generated.schema } };
    const notify = { id: 'first', type: 'notify', message: 'hi' };
    const [steps, stepPath] =
      where === 'top'
        ? [[notify, step], 'steps[1]']
        : where === 'loop'
          ? [[{ id: 'each', type: 'loop', over: [1, 2], steps: [step] }], 'steps[0].steps[0]']
          : [[{ id: 'when', type: 'conditional', condition: 'true', then: [notify, step] }], 'steps[0].then[1]'];
    const expected = generated.bad.map((path) => joinPath(stepPath as string, ['output', 'schema', ...path]));
    return { definition: { name: 'patterns', steps }, expected };
  });

  it('refuse a definition exactly when one of its patterns RE2 cannot run, naming each at its path', () => {
    fc.assert(
      fc.property(carrying, ({ definition, expected }) => {
        const result = validateWorkflowDefinition(definition, { regExp });
        if (expected.length === 0) {
          expect(result).toEqual({ ok: true, definition });
        } else {
          expect(result.ok).toBe(false);
          const errors = result.ok ? [] : result.errors;
          expect(errors.map((e) => e.path).sort()).toEqual([...expected].sort());
          for (const error of errors) {
            expect(error.code).toBe('unsupported_pattern');
            expect(error.message).toMatch(
              /^pattern ".*" is not supported: it uses a (lookahead|lookbehind|backreference) `.+`, which RE2 cannot run \(patterns are run with RE2/,
            );
          }
        }
        // Without the engine (the client) patterns are not looked at.
        expect(validateWorkflowDefinition(definition)).toEqual({ ok: true, definition });
      }),
      { numRuns: 500 },
    );
  });
});

describe('valid definitions', { timeout: 60_000 }, () => {
  it('are accepted and returned deep-equal, key order included', () => {
    fc.assert(
      fc.property(validDefinition, (definition) => {
        const result = validateWorkflowDefinition(definition);
        expect(result, JSON.stringify(result)).toEqual({ ok: true, definition });
        if (result.ok) expect(JSON.stringify(result.definition)).toBe(JSON.stringify(definition));
        // Their schemas' patterns all run on RE2: the server accepts them too.
        expect(validateWorkflowDefinition(definition, { regExp })).toEqual(result);
      }),
      { numRuns: 500 },
    );
  });

  it('validate to the same result twice (no state leaks between calls)', () => {
    fc.assert(
      fc.property(validDefinition, fc.nat(), mutation, (definition, pick, change) => {
        const input = mutate(definition, pick, change);
        expect(validateWorkflowDefinition(input)).toEqual(validateWorkflowDefinition(input));
      }),
      { numRuns: 300 },
    );
  });
});

// ---- characters that hide or reorder text -----------------------------------

const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Refused in every field (the list in docs/workflows.md, written out again here on purpose). */
const ALWAYS_REFUSED = [
  ...span(0x00, 0x08),
  0x0b,
  0x0c,
  ...span(0x0e, 0x1f),
  ...span(0x7f, 0x9f),
  0x180e,
  0x200b,
  0x2028,
  0x2029,
  ...span(0x202a, 0x202e),
  ...span(0x2060, 0x206f),
  0xfeff,
  ...span(0xfff9, 0xfffb),
  ...span(0x1bca0, 0x1bca3),
  ...span(0x1d173, 0x1d17a),
  ...span(0xe0000, 0xe007f),
];
/** Refused everywhere but in prose. */
const PROSE_ONLY = [0x0d, 0xad, 0x061c, 0x200c, 0x200d, 0x200e, 0x200f];
const ANY_REFUSED = new RegExp(`[${[...ALWAYS_REFUSED, ...PROSE_ONLY].map((c) => `\\u{${c.toString(16)}}`).join('')}]`, 'u');
/** Prose fields of the generated definitions: descriptions, notify and approval messages, agent prompts. */
const PROSE_PATH = /^(description|inputs\.\w+\.description|steps(\[\d+\]\.(then|else|steps))*\[\d+\]\.(message|title|prompt|system))$/;

type Site = { parent: Json[] | { [key: string]: Json }; key: string | number; path: (string | number)[] };

/** Every place holding a string value, or a key, in a JSON value, with its path. */
function sites(value: Json): { strings: Site[]; keys: Site[] } {
  const strings: Site[] = [];
  const keys: Site[] = [];
  const visit = (node: Json, path: (string | number)[]): void => {
    if (Array.isArray(node)) {
      node.forEach((child, index) => {
        if (typeof child === 'string') strings.push({ parent: node, key: index, path: [...path, index] });
        visit(child, [...path, index]);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        keys.push({ parent: node, key, path: [...path, key] });
        if (typeof child === 'string') strings.push({ parent: node, key, path: [...path, key] });
        visit(child, [...path, key]);
      }
    }
  };
  visit(value, []);
  return { strings, keys };
}

const insertAt = (text: string, at: number, char: string) => {
  const index = text.length === 0 ? 0 : at % (text.length + 1);
  return text.slice(0, index) + char + text.slice(index);
};

/** A copy of `definition` with `char` inserted into one of its strings (or keys, with `inKey`); the copy and the path changed. */
function withCharacter(definition: Record<string, Json>, pick: number, at: number, char: string, inKey: boolean) {
  const copy = JSON.parse(JSON.stringify(definition)) as Record<string, Json>;
  const { strings, keys } = sites(copy);
  const all = inKey ? keys : strings;
  const site = all[pick % all.length];
  if (site === undefined) throw new Error('a valid definition has strings and keys');
  const { parent, key } = site;
  if (!inKey) {
    (parent as Record<string | number, Json>)[key] = insertAt((parent as Record<string | number, Json>)[key] as string, at, char);
    return { input: copy, path: site.path };
  }
  // Rename the key in place, keeping the order of its siblings.
  const renamed = insertAt(String(key), at, char);
  const entries = Object.entries(parent);
  for (const [name] of entries) delete (parent as Record<string, Json>)[name];
  for (const [name, child] of entries) (parent as Record<string, Json>)[name === key ? renamed : name] = child;
  return { input: copy, path: [...site.path.slice(0, -1), renamed] };
}

const refusedChar = fc.constantFrom(...ALWAYS_REFUSED).map((c) => String.fromCodePoint(c));
const proseOnlyChar = fc.constantFrom(...PROSE_ONLY).map((c) => String.fromCodePoint(c));

describe('characters that hide or reorder text', { timeout: 60_000 }, () => {
  it('are refused wherever they are inserted in a valid definition, at that path and only there', () => {
    fc.assert(
      fc.property(validDefinition, fc.nat(), fc.nat(), refusedChar, fc.boolean(), (definition, pick, at, char, inKey) => {
        const { input, path } = withCharacter(definition, pick, at, char, inKey);
        const result = validateWorkflowDefinition(input, { regExp });
        const code = `U+${char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`;
        expect(result).toEqual({
          ok: false,
          errors: [
            {
              path: escapeHiddenCharacters(formatPath(path)),
              code: 'hidden_character',
              message: expect.stringMatching(new RegExp(`^${inKey ? 'key ' : ''}contains ${code.replace('+', '\\+')} \\(`)),
            },
          ],
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('of the marks and joiners prose may keep, are refused exactly outside prose', () => {
    fc.assert(
      fc.property(validDefinition, fc.nat(), fc.nat(), proseOnlyChar, fc.boolean(), (definition, pick, at, char, inKey) => {
        const { input, path } = withCharacter(definition, pick, at, char, inKey);
        const result = validateWorkflowDefinition(input);
        const prose = !inKey && PROSE_PATH.test(formatPath(path));
        // In prose they are allowed; inside a `{{ }}` the expression parser may still refuse one.
        if (prose) expect(result.ok ? [] : result.errors.filter((e) => e.code === 'hidden_character')).toEqual([]);
        else expect(result.ok ? [] : result.errors.map((e) => [e.path, e.code])).toEqual([[escapeHiddenCharacters(formatPath(path)), 'hidden_character']]);
      }),
      { numRuns: 500 },
    );
  });

  it('are the only reason for a hidden_character issue: any other Unicode, anywhere, leaves it out', () => {
    const visible = fc.string({ unit: 'binary', maxLength: 30 }).filter((text) => !ANY_REFUSED.test(text));
    fc.assert(
      fc.property(validDefinition, fc.nat(), fc.nat(), visible, fc.boolean(), (definition, pick, at, text, inKey) => {
        const result = validateWorkflowDefinition(withCharacter(definition, pick, at, text, inKey).input);
        expect(result.ok ? [] : result.errors.filter((e) => e.code === 'hidden_character')).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('leave valid definitions with other Unicode in their names and descriptions valid', () => {
    const visible = fc.string({ unit: 'binary', maxLength: 30 }).filter((text) => !ANY_REFUSED.test(text) && !text.includes('{'));
    fc.assert(
      fc.property(validDefinition, fc.nat(), fc.nat(), visible, (definition, pick, at, text) => {
        const copy = JSON.parse(JSON.stringify(definition)) as Record<string, Json>;
        const named = sites(copy).strings.filter(({ key, path }) => key === 'name' || (key === 'description' && path.length === 1));
        const site = named[pick % named.length];
        if (site === undefined) throw new Error('a definition has a name');
        const parent = site.parent as Record<string, Json>;
        parent[site.key] = insertAt(parent[site.key] as string, at, text);
        expect(validateWorkflowDefinition(copy)).toEqual({ ok: true, definition: copy });
      }),
      { numRuns: 300 },
    );
  });
});
