import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NonRetriableStepError } from '../../src/engine/errors';
import { testBashStep } from '../helpers/step-handlers';
import { stepContext } from '../helpers/step-context';

const bashStep = testBashStep();
const bash = (command: string) => ({ id: 'step_one', type: 'bash' as const, command });

async function stdoutOf(command: string, value: unknown, workDir?: string): Promise<string> {
  const ctx = stepContext({ scope: { inputs: { v: value }, steps: {}, trigger: null }, ...(workDir === undefined ? {} : { workDir }) });
  const output = (await bashStep.run(ctx, bash(command))) as { stdout: string };
  return output.stdout;
}

/** Each value tries to run `touch` in the run directory, from whichever placement it lands in. */
const HOSTILE = [
  'x; touch pwned',
  '$(touch pwned)',
  '`touch pwned`',
  "'; touch pwned; '",
  '"; touch pwned; "',
  '\'"$(touch pwned)"\'',
  'a\ntouch pwned\nb',
  '\nEOF\ntouch pwned\nEOF',
  '*',
  '-n',
  '--version',
  '\\',
  '${IFS}touch${IFS}pwned',
  'a[$(touch pwned)]',
  "$'\\x27; touch pwned'",
];

/** Every quoting context a value can sit in, and what the command prints for a value `v`. */
const PLACEMENTS: [string, string, (v: string) => string][] = [
  ['unquoted', 'printf %s {{ inputs.v }}', (v) => v],
  ['unquoted, glued to text', 'printf %s a{{ inputs.v }}b', (v) => `a${v}b`],
  ['double quotes', 'printf %s "<{{ inputs.v }}>"', (v) => `<${v}>`],
  ['single quotes', "printf %s '<{{ inputs.v }}>'", (v) => `<${v}>`],
  ['ANSI-C quotes', "printf %s $'<\\t{{ inputs.v }}>'", (v) => `<\t${v}>`],
  ['a heredoc', 'cat <<EOF\n<{{ inputs.v }}>\nEOF', (v) => `<${v}>\n`],
  ['$( ) in double quotes', 'printf %s "$(printf %s {{ inputs.v }})"', (v) => v.replace(/\n+$/, '')],
  ['[[ == ]]', '[[ {{ inputs.v }} == "{{ inputs.v }}" ]] && printf %s same', () => 'same'],
  ['a comment', 'printf %s ok # {{ inputs.v }}', () => 'ok'],
];

describe('bash step values', () => {
  // One process per value, every placement in it, each output ended by a NUL.
  const command = PLACEMENTS.map(([, template]) => `${template}\nprintf '\\0'\n`).join('');

  it.each(HOSTILE)('%j arrives byte for byte in every placement and runs nothing', async (value) => {
    const ctx = stepContext();
    const output = await stdoutOf(command, value, ctx.workDir);
    const byPlacement = Object.fromEntries(
      output
        .split('\0')
        .slice(0, -1)
        .map((text, i) => [PLACEMENTS[i]![0], text]),
    );
    expect(byPlacement).toEqual(Object.fromEntries(PLACEMENTS.map(([name, , expected]) => [name, expected(value)])));
    expect(fs.readdirSync(ctx.workDir)).toEqual([]);
  });

  it('formats non-string values like other templates do', async () => {
    expect(await stdoutOf('printf "%s|" {{ inputs.v }} "{{ inputs.v.n }}"', { n: 1, s: 'a b' })).toBe('{"n":1,"s":"a b"}|1|');
    expect(await stdoutOf('printf "[%s]" {{ inputs.v }}', null)).toBe('[]');
  });

  it('refuses a placement the shell would evaluate, even when a definition skipped validation', async () => {
    const ctx = stepContext({ scope: { inputs: { v: 'a[$(touch pwned)]' }, steps: {}, trigger: null } });
    const failure = bashStep.run(ctx, bash('echo $(( {{ inputs.v }} + 1 ))'));
    await expect(failure).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(failure).rejects.toMatchObject({
      code: 'bash_unsafe_template',
      message: expect.stringMatching(/^command: \{\{ \}\} at character 9 is inside shell arithmetic/),
    });
    expect(fs.existsSync(path.join(ctx.workDir, 'pwned'))).toBe(false);
  });

  // Each ran `touch` with this value before these placements were refused (bash 5.2).
  it.each([
    ['if((', 'if(( {{ inputs.v }} > 5 )); then echo big; fi'],
    ['while((', 'while(( {{ inputs.v }} > 5 )); do break; done'],
    ['for((', 'for((i=0; i<{{ inputs.v }}; i++)); do break; done'],
    ['!((', '!(( {{ inputs.v }} > 5 )); echo done'],
    ['(( )) with the value in double quotes', '(( "{{ inputs.v }}" > 5 )); echo done'],
    ['$(( )) with the value in double quotes', 'echo $(( "{{ inputs.v }}" + 1 ))'],
    ['an array subscript in double quotes', 'arr["{{ inputs.v }}"]=1'],
    ['[[ -eq ]] with the value in double quotes', '[[ "{{ inputs.v }}" -eq 1 ]]; echo done'],
    ['[[ -v ]]', '[[ -v {{ inputs.v }} ]]; echo done'],
    ['[ -v ]', '[ -v {{ inputs.v }} ]; echo done'],
    ['test -v', 'test -v "{{ inputs.v }}"; echo done'],
    ['printf -v', 'printf -v {{ inputs.v }} %s a'],
    ['read', 'read {{ inputs.v }} <<< a'],
    ['read -r', 'IFS= read -r "{{ inputs.v }}" <<< a'],
    ['unset', 'x=(1); unset {{ inputs.v }}'],
    ['trap', 'trap {{ inputs.v }} EXIT'],
  ])('refuses a value %s, where bash would evaluate it, and runs nothing', async (_name, command) => {
    const ctx = stepContext({ scope: { inputs: { v: 'x[$(touch pwned)]' }, steps: {}, trigger: null } });
    const failure = bashStep.run(ctx, bash(command));
    await expect(failure).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(failure).rejects.toMatchObject({ code: 'bash_unsafe_template' });
    expect(fs.existsSync(path.join(ctx.workDir, 'pwned'))).toBe(false);
  });

  it('a value still reaches read as data: a here-string, a file name', async () => {
    const ctx = stepContext({ scope: { inputs: { v: 'x[$(touch pwned)]' }, steps: {}, trigger: null } });
    const output = (await bashStep.run(ctx, bash('IFS= read -r line <<< {{ inputs.v }}; printf "%s|" "$line"; [[ -v line ]] && printf set'))) as {
      stdout: string;
    };
    expect(output.stdout).toBe('x[$(touch pwned)]|set');
    expect(fs.readdirSync(ctx.workDir)).toEqual([]);
  });

  it('fails clearly on a NUL character, which no shell variable can hold', async () => {
    const failure = stdoutOf('printf %s {{ inputs.v }}', 'a\0b');
    await expect(failure).rejects.toMatchObject({ code: 'bash_nul_in_value', message: expect.stringContaining('NUL') });
  });

  it('property: any string reaches printf %s exactly, in every quoting context', async () => {
    // Strings that survive UTF-8 (no lone surrogates) and hold no NUL: what a process can receive.
    const value = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0') && Buffer.from(s, 'utf8').toString('utf8') === s);
    const command = "printf '%s\\0' {{ inputs.v }} \"{{ inputs.v }}\" '{{ inputs.v }}' $'{{ inputs.v }}'; cat <<EOF\n{{ inputs.v }}\nEOF";
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const ctx = stepContext();
        const output = await stdoutOf(command, v, ctx.workDir);
        expect(output).toBe(`${v}\0${v}\0${v}\0${v}\0${v}\n`);
        expect(fs.readdirSync(ctx.workDir)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
