import { describe, expect, it } from 'vitest';
import { MAX_VALIDATION_ERRORS, validateWorkflowDefinition } from './validate';
import { errorsOf, expectError, expectValid, minimal, workflow } from './validate-test-helpers';

describe('top level', () => {
  it('accepts a full definition and returns it unchanged, key order included', () => {
    const input = {
      steps: [{ type: 'bash', command: 'echo {{ inputs.region }}', id: 'a' }],
      name: 'Deploy',
      description: 'Deploys things',
      inputs: {
        region: { type: 'string', default: 'eu', description: 'where', required: false },
        count: { type: 'number', default: 2 },
        dry: { type: 'boolean', default: true },
        extra: { type: 'object', default: { a: 1 } },
        list: { type: 'array', default: [1, 'x'] },
        _Under_score1: { type: 'string' },
      },
      requires: ['github'],
    };
    const result = validateWorkflowDefinition(input);
    expect(result).toEqual({ ok: true, definition: input });
    if (result.ok) {
      expect(JSON.stringify(result.definition)).toBe(JSON.stringify(input));
      expect(result.definition).not.toBe(input);
    }
  });

  it.each([null, 'workflow', 42, [], true])('rejects a non-object definition %j at the root', (input) => {
    expectError(input, '', /expected an object/);
  });

  it.each([
    [{ steps: [minimal.bash] }, 'name', /required/],
    [{ name: '', steps: [minimal.bash] }, 'name', /must not be empty/],
    [{ name: '   ', steps: [minimal.bash] }, 'name', /blank/],
    [{ name: 'x'.repeat(201), steps: [minimal.bash] }, 'name', /at most 200/],
    [{ name: 7, steps: [minimal.bash] }, 'name', /expected a string, got an integer/],
    [{ name: 'x' }, 'steps', /required/],
    [{ name: 'x', steps: [] }, 'steps', /at least 1 item/],
    [{ name: 'x', steps: {} }, 'steps', /expected an array/],
    [{ name: 'x', description: 1, steps: [minimal.bash] }, 'description', /expected a string/],
    [{ name: 'x', requires: 'github', steps: [minimal.bash] }, 'requires', /expected an array/],
    [{ name: 'x', requires: [''], steps: [minimal.bash] }, 'requires[0]', /must not be empty/],
    [{ name: 'x', stepz: [minimal.bash] }, 'stepz', /unknown key "stepz"; did you mean "steps"\?/],
    [{ name: 'x', stepz: [minimal.bash] }, 'steps', /required/],
    [{ name: 'x', stepz: [], steps: [minimal.bash] }, 'stepz', /^unknown key "stepz"$/],
  ])('%j -> %s', (input, path, message) => {
    expectError(input, path, message);
  });

  it('accepts a name of exactly 200 characters', () => {
    expectValid({ name: 'x'.repeat(200), steps: [minimal.bash] });
  });
});

describe('inputs', () => {
  const withInputs = (inputs: unknown) => ({ name: 'x', inputs, steps: [minimal.bash] });

  it.each([
    [{ region: { type: 'text' } }, 'inputs.region.type', /must be one of "string", "number", "boolean", "object", "array"/],
    [{ region: {} }, 'inputs.region.type', /required/],
    [{ region: { type: 'string', default: 1 } }, 'inputs.region.default', /default must be of type string/],
    [{ n: { type: 'number', default: '1' } }, 'inputs.n.default', /type number/],
    [{ b: { type: 'boolean', default: 'true' } }, 'inputs.b.default', /type boolean/],
    [{ o: { type: 'object', default: [] } }, 'inputs.o.default', /type object/],
    [{ o: { type: 'object', default: null } }, 'inputs.o.default', /type object/],
    [{ a: { type: 'array', default: {} } }, 'inputs.a.default', /type array/],
    [{ region: { type: 'string', requried: true } }, 'inputs.region.requried', /unknown key "requried"; did you mean "required"\?/],
    [{ region: { type: 'string', required: 'yes' } }, 'inputs.region.required', /expected a boolean/],
    [{ '1st': { type: 'string' } }, 'inputs["1st"]', /input names must be identifiers/],
    [{ 'my-input': { type: 'string' } }, 'inputs["my-input"]', /input names must be identifiers/],
    [{ ['x'.repeat(65)]: { type: 'string' } }, `inputs.${'x'.repeat(65)}`, /input names must be identifiers/],
    [[], 'inputs', /^expected an object, got an array$/],
  ])('%j -> %s', (inputs, path, message) => {
    expectError(withInputs(inputs), path, message);
  });
});

describe('common step fields', () => {
  it.each([
    [{ type: 'bash', command: 'x' }, 'steps[0].id', /required/],
    [{ id: 'Build', type: 'bash', command: 'x' }, 'steps[0].id', /must start with a lowercase letter/],
    [{ id: '1build', type: 'bash', command: 'x' }, 'steps[0].id', /must start with a lowercase letter/],
    [{ id: 'build-it', type: 'bash', command: 'x' }, 'steps[0].id', /must start with a lowercase letter/],
    [{ id: 'a'.repeat(65), type: 'bash', command: 'x' }, 'steps[0].id', /at most 64/],
    [{ id: 'a', type: 'bash', command: 'x', name: '' }, 'steps[0].name', /must not be empty/],
    [{ id: 'a', type: 'bash', command: 'x', name: 'n'.repeat(201) }, 'steps[0].name', /at most 200/],
    [{ id: 'a', type: 'bash', command: 'x', if: 'a ===' }, 'steps[0].if', /invalid expression/],
    [{ id: 'a', type: 'bash', command: 'x', if: 'f()' }, 'steps[0].if', /function calls/],
    [{ id: 'a', type: 'bash', command: 'x', if: '' }, 'steps[0].if', /empty/],
    [{ id: 'a', type: 'bash', command: 'x', timeoutSeconds: 0 }, 'steps[0].timeoutSeconds', /greater than 0/],
    [{ id: 'a', type: 'bash', command: 'x', timeoutSeconds: -5 }, 'steps[0].timeoutSeconds', /greater than 0/],
    [{ id: 'a', type: 'bash', command: 'x', timeoutSeconds: '5' }, 'steps[0].timeoutSeconds', /expected a number/],
    [{ id: 'a', type: 'bash', command: 'x', retry: {} }, 'steps[0].retry.maxAttempts', /required/],
    [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 0 } }, 'steps[0].retry.maxAttempts', /at least 1/],
    [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 11 } }, 'steps[0].retry.maxAttempts', /at most 10/],
    [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 1.5 } }, 'steps[0].retry.maxAttempts', /an integer/],
    [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 2, backoffSeconds: -1 } }, 'steps[0].retry.backoffSeconds', /at least 0/],
    [{ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 2, delay: 1 } }, 'steps[0].retry.delay', /unknown key "delay"/],
  ])('%j -> %s', (step, path, message) => {
    expectError(workflow(step), path, message);
  });

  it('accepts every common field at its bounds', () => {
    expectValid(
      workflow({
        id: `a${'b'.repeat(63)}`,
        type: 'bash',
        command: 'x',
        name: 'n'.repeat(200),
        if: 'inputs.go == true',
        timeoutSeconds: 0.5,
        retry: { maxAttempts: 10, backoffSeconds: 0 },
      }),
    );
    expectValid(workflow({ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 1 } }));
  });
});

describe('duplicate ids', () => {
  it('reports the second occurrence and names the first', () => {
    expect(errorsOf(workflow({ id: 'a', type: 'wait', seconds: 1 }, { id: 'a', type: 'wait', seconds: 1 }))).toEqual([
      { path: 'steps[1].id', message: 'duplicate step id "a"; first used at steps[0]' },
    ]);
  });

  it('finds duplicates across nesting levels', () => {
    const input = workflow(
      { id: 'a', type: 'conditional', condition: 'true', then: [{ id: 'x', type: 'wait', seconds: 1 }], else: [{ id: 'x', type: 'wait', seconds: 1 }] },
      { id: 'l', type: 'loop', over: [1], steps: [{ id: 'a', type: 'wait', seconds: 1 }] },
    );
    expect(errorsOf(input)).toEqual([
      { path: 'steps[0].else[0].id', message: 'duplicate step id "x"; first used at steps[0].then[0]' },
      { path: 'steps[1].steps[0].id', message: 'duplicate step id "a"; first used at steps[0]' },
    ]);
  });
});

describe('never throws on hostile input', () => {
  it('reports cycles', () => {
    const input: Record<string, unknown> = { name: 'x', steps: [] };
    (input.steps as unknown[]).push(input);
    expectError(input, 'steps[0]', /circular reference/);
  });

  it('reports getters without calling them', () => {
    let called = false;
    const input = {
      name: 'x',
      get steps(): unknown {
        called = true;
        throw new Error('boom');
      },
    };
    expectError(input, 'steps', /accessor properties/);
    expect(called).toBe(false);
  });

  it('contains throwing proxies', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = [
      new Proxy({}, { ownKeys: trap }),
      new Proxy({}, { getPrototypeOf: trap }),
      new Proxy({}, { getOwnPropertyDescriptor: trap, ownKeys: () => ['name'] }),
      new Proxy([], { getOwnPropertyDescriptor: trap }),
      { name: 'x', steps: [new Proxy({}, { ownKeys: trap })] },
    ];
    for (const input of hostile) {
      const result = validateWorkflowDefinition(input);
      expect(result.ok).toBe(false);
    }
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(validateWorkflowDefinition(revocable.proxy).ok).toBe(false);
  });

  it.each([
    ['a bigint', { name: 'x', steps: [{ id: 'a', type: 'wait', seconds: 10n }] }, 'steps[0].seconds', /bigint/],
    ['a symbol', { name: Symbol('x'), steps: [minimal.bash] }, 'name', /symbol/],
    ['a function', { name: () => 'x', steps: [minimal.bash] }, 'name', /function/],
    ['undefined in an array', { name: 'x', steps: [undefined] }, 'steps[0]', /undefined/],
    ['NaN', { name: 'x', steps: [{ id: 'a', type: 'wait', seconds: Number.NaN }] }, 'steps[0].seconds', /not a JSON number/],
    ['Infinity', { name: 'x', steps: [{ id: 'a', type: 'wait', seconds: Number.POSITIVE_INFINITY }] }, 'steps[0].seconds', /not a JSON number/],
    ['a Date', { name: new Date(0), steps: [minimal.bash] }, 'name', /plain JSON object/],
    ['a Map', { name: 'x', steps: new Map() }, 'steps', /plain JSON object/],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the input under test
    ['a sparse array', { name: 'x', steps: [minimal.bash, , minimal.bash] }, 'steps[1]', /missing array element/],
  ])('reports %s', (_label, input, path, message) => {
    expectError(input, path, message);
  });

  it('drops undefined-valued keys like JSON does', () => {
    const result = validateWorkflowDefinition({ name: 'x', description: undefined, steps: [minimal.bash] });
    expect(result).toEqual({ ok: true, definition: { name: 'x', steps: [minimal.bash] } });
    if (result.ok) expect('description' in result.definition).toBe(false);
  });

  it('accepts a null-prototype object', () => {
    const input = Object.assign(Object.create(null) as object, { name: 'x', steps: [minimal.bash] });
    expect(validateWorkflowDefinition(input).ok).toBe(true);
  });

  it('reports very deep nesting instead of overflowing the stack', () => {
    let deep: unknown = { id: 'z', type: 'wait', seconds: 1 };
    for (let i = 0; i < 10_000; i++) deep = { id: `c${i}`, type: 'conditional', condition: 'true', then: [deep] };
    const errors = errorsOf({ name: 'x', steps: [deep] });
    expect(errors.some((error) => /nested more than 64 levels/.test(error.message))).toBe(true);
  });

  it('bounds shared sub-objects that would explode into a huge tree', () => {
    let shared: unknown = { id: 'a', type: 'wait', seconds: 1 };
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    expectError({ name: 'x', steps: shared }, '', /too large/);
  });

  it('treats an own __proto__ key as an unknown key, not a prototype', () => {
    const input = JSON.parse('{"name": "x", "steps": [{"id": "a", "type": "wait", "seconds": 1, "__proto__": {"command": "x"}}]}') as unknown;
    expectError(input, 'steps[0].__proto__', /unknown key "__proto__"/);
  });

  it(`caps the number of errors at ${MAX_VALIDATION_ERRORS}`, () => {
    const steps = Array.from({ length: 300 }, () => ({ id: 'BAD', type: 'wait', seconds: 1 }));
    const errors = errorsOf({ name: 'x', steps });
    expect(errors).toHaveLength(MAX_VALIDATION_ERRORS + 1);
    expect(errors.at(-1)).toEqual({ path: '', message: '200 more errors not shown' });
  });
});
