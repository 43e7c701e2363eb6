import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerceCommandInputs, completeChatCommand, isChatCommand, parseChatCommand } from './commands';

describe('parseChatCommand', () => {
  it.each([
    ['/run Disk check', { name: 'run', workflow: 'Disk check', inputs: {}, inputsFrom: 'pairs' }],
    ['/run Disk check host=web-1 "note=a b"', { name: 'run', workflow: 'Disk check', inputs: { host: 'web-1', note: 'a b' }, inputsFrom: 'pairs' }],
    ['/run "x y" count=3', { name: 'run', workflow: 'x y', inputs: { count: '3' }, inputsFrom: 'pairs' }],
    ['/run backup {"dry": true, "n": 2}', { name: 'run', workflow: 'backup', inputs: { dry: true, n: 2 }, inputsFrom: 'json' }],
    ['/runs', { name: 'runs' }],
    ['/runs Disk check', { name: 'runs', workflow: 'Disk check' }],
    ['/why', { name: 'why' }],
    ['  /why ex_123  ', { name: 'why', execution: 'ex_123' }],
    ['/fix', { name: 'fix' }],
    ['/fix ex_9', { name: 'fix', execution: 'ex_9' }],
    ['/approve', { name: 'approve' }],
    ['/deny not today', { name: 'deny', comment: 'not today' }],
    ['/HELP', { name: 'help' }],
  ])('%s', (text, command) => {
    expect(parseChatCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['/run', /name the workflow to run\. Usage: \/run <workflow>/],
    ['/run {"a":1}', /name the workflow/],
    ['/run wf {nope', /not valid JSON/],
    ['/run wf a=1 oops', /"oops" is not key=value/],
    ['/run wf a=1 a=2', /input "a" is given twice/],
    ['/run wf "open', /double quote is not closed/],
    ['/why ex_1 ex_2', /at most one run/],
    ['/fix ex_1 ex_2', /at most one run\. Usage: \/fix/],
    ['/deploy prod', /\/deploy is not a command\. Type \/help/],
  ])('%s is refused with a sentence', (text, error) => {
    const parsed = parseChatCommand(text);
    expect(parsed?.ok).toBe(false);
    expect(parsed && !parsed.ok && parsed.error).toMatch(error);
  });

  it('is not a command: plain words, a path, an empty message', () => {
    for (const text of ['run the disk check', '/tmp/x is full', '/', '', ' / run']) {
      expect(parseChatCommand(text)).toBeNull();
      expect(isChatCommand(text)).toBe(false);
    }
  });

  it('never throws and always answers a command with a result or a sentence', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `/${s}`),
          fc.constantFrom('/run ', '/runs ', '/why ', '/approve ').chain((c) => fc.string().map((s) => c + s)),
        ),
        (text) => {
          const parsed = parseChatCommand(text);
          expect(parsed === null).toBe(!isChatCommand(text));
          if (parsed && !parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
          if (parsed?.ok && parsed.command.name === 'run') {
            expect(parsed.command.workflow.trim()).not.toBe('');
            expect(typeof parsed.command.inputs).toBe('object');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips any workflow name and string inputs written the way the palette writes them', () => {
    const key = fc.stringMatching(/^[A-Za-z_][\w]{0,8}$/);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((n) => n.trim() !== '' && !n.includes('{') && !n.includes('=')),
        fc.dictionary(key, fc.string()),
        (name, inputs) => {
          const text = `/run ${JSON.stringify(name)} ${Object.entries(inputs)
            .map(([k, v]) => JSON.stringify(`${k}=${v}`))
            .join(' ')}`;
          const parsed = parseChatCommand(text);
          expect(parsed).toEqual({ ok: true, command: { name: 'run', workflow: name, inputs, inputsFrom: 'pairs' } });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('coerceCommandInputs', () => {
  it('reads values as the declared type and leaves what does not fit as a string', () => {
    const specs = { n: { type: 'number' }, dry: { type: 'boolean' }, hosts: { type: 'array' }, name: { type: 'string' } };
    expect(coerceCommandInputs(specs, { n: '3', dry: 'true', hosts: '["a"]', name: '42', other: 'x' })).toEqual({
      n: 3,
      dry: true,
      hosts: ['a'],
      name: '42',
      other: 'x',
    });
    expect(coerceCommandInputs(specs, { n: 'three', dry: 'yes' })).toEqual({ n: 'three', dry: 'yes' });
  });
});

describe('completeChatCommand', () => {
  const names = ['Disk check', 'Backup', 'Nightly report'];
  it('completes commands, then workflow names, and stops once inputs start', () => {
    expect(completeChatCommand({ text: '/r', workflowNames: names }).map((c) => c.label)).toEqual(['/run', '/runs']);
    expect(completeChatCommand({ text: '/run di', workflowNames: names })).toEqual([{ label: 'Disk check', insert: '/run Disk check ', detail: 'workflow' }]);
    expect(completeChatCommand({ text: '/runs ', workflowNames: names }).map((c) => c.insert)).toEqual([
      '/runs Disk check',
      '/runs Backup',
      '/runs Nightly report',
    ]);
    expect(completeChatCommand({ text: '/run Backup n=1', workflowNames: names })).toEqual([]);
    expect(completeChatCommand({ text: 'hello', workflowNames: names })).toEqual([]);
  });
});
