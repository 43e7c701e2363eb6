import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STEP_TYPES } from '../steps/catalogue';
import { validateWorkflowDefinition } from './validate';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The contract checked on every run: a result, never a throw, always well-formed. */
function expectWellFormed(input: unknown): ReturnType<typeof validateWorkflowDefinition> {
  const result = validateWorkflowDefinition(input);
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
});

describe('valid definitions', { timeout: 60_000 }, () => {
  it('are accepted and returned deep-equal, key order included', () => {
    fc.assert(
      fc.property(validDefinition, (definition) => {
        const result = validateWorkflowDefinition(definition);
        expect(result, JSON.stringify(result)).toEqual({ ok: true, definition });
        if (result.ok) expect(JSON.stringify(result.definition)).toBe(JSON.stringify(definition));
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
