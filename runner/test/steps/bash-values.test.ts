import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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

  /**
   * What the template compiled to before it was refused (each `{{ inputs.v.k }}` unquoted as
   * `"$WEFT_ARG_n"`), run by bash with those values: whether it created `pwned`.
   */
  function unguardedRunsCode(template: string, values: Record<string, string>): boolean {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    let n = 0;
    const script = template.replace(/\{\{ inputs\.v\.(\w+) \}\}/g, (_whole, key: string) => {
      n++;
      env[`WEFT_ARG_${n}`] = values[key]!;
      return `"$WEFT_ARG_${n}"`;
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-unguarded-'));
    try {
      spawnSync('bash', ['-c', script], { cwd: dir, env, input: '', timeout: 10_000 });
      return fs.existsSync(path.join(dir, 'pwned'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const TOUCH = { a: 'touch' };
  const TOUCH_PWNED = { a: 'touch pwned' };
  const SUBSCRIPT = { a: 'x[$(touch pwned)]' };
  const ATTACHED_V = { a: '-vx[$(touch pwned)]' };
  const ELEMENTS = { a: '([0]=$(touch pwned))' };
  const TEST_V = { a: '-v', b: 'x[$(touch pwned)]' };

  // bash 5.2 runs `touch pwned` with each of these as it compiled before; each is refused now.
  it.each<[string, string, Record<string, string>]>([
    ['as the command’s name', '{{ inputs.v.a }} pwned', TOUCH],
    ['as the command’s name after then', 'if true; then {{ inputs.v.a }} pwned; fi', TOUCH],
    ['as the command nice runs', 'nice {{ inputs.v.a }} pwned', TOUCH],
    ['as the command env runs', 'env {{ inputs.v.a }} pwned', TOUCH],
    ['as the command timeout runs', 'timeout 5 {{ inputs.v.a }} pwned', TOUCH],
    ['as the command xargs runs', 'echo pwned | xargs {{ inputs.v.a }}', TOUCH],
    ['as the command find -exec runs', 'find . -maxdepth 0 -exec {{ inputs.v.a }} pwned \\;', TOUCH],
    ['as the string of env -S', 'env -S {{ inputs.v.a }}', TOUCH_PWNED],
    ['as the command string of flock -c', 'flock lockfile -c {{ inputs.v.a }}', TOUCH_PWNED],
    ['as the command string of bash -c under nice', 'nice -n 1 bash -c {{ inputs.v.a }}', TOUCH_PWNED],
    ['as an argument of "eval"', '"eval" {{ inputs.v.a }}', TOUCH_PWNED],
    ['as an argument of \\eval', '\\eval {{ inputs.v.a }}', TOUCH_PWNED],
    ['as an argument of e"va"l', 'e"va"l {{ inputs.v.a }}', TOUCH_PWNED],
    ['as the name of "printf" -v', '"printf" -v {{ inputs.v.a }} %s x', SUBSCRIPT],
    ['in declare -i', 'declare -i n={{ inputs.v.a }}', SUBSCRIPT],
    ['in local -i', 'f() { local -i n={{ inputs.v.a }}; }; f', SUBSCRIPT],
    ['as a name of local', 'f() { local {{ inputs.v.a }}=1; }; f', SUBSCRIPT],
    ['as a value of declare -a', 'declare -a arr={{ inputs.v.a }}', ELEMENTS],
    ['as a value of export -a', 'export -a arr={{ inputs.v.a }}', ELEMENTS],
    ['where printf reads options', 'printf {{ inputs.v.a }} x', ATTACHED_V],
    ['where printf still reads options after -v NAME', 'printf -v out {{ inputs.v.a }} x', ATTACHED_V],
    ['where wait reads options', 'sleep 0 & wait {{ inputs.v.a }} $!', { a: '-px[$(touch pwned)]' }],
    ['as mapfile’s callback', 'mapfile -t -C {{ inputs.v.a }} -c 1 arr <<< a', { a: 'touch pwned #' }],
    ['as compgen’s word list', 'compgen -W {{ inputs.v.a }}', { a: '$(touch pwned)' }],
    ['right after another value in [ ]', '[ {{ inputs.v.a }} {{ inputs.v.b }} ]', TEST_V],
    ['right after another value in [ ! ]', '[ ! {{ inputs.v.a }} {{ inputs.v.b }} ]', TEST_V],
    ['right after another value in a [ -a ] chain', '[ -n x -a {{ inputs.v.a }} {{ inputs.v.b }} ]', TEST_V],
    ['right after another value in test', 'test {{ inputs.v.a }} {{ inputs.v.b }}', TEST_V],
  ])('refuses a value %s, which bash would run, and runs nothing', async (_name, command, values) => {
    expect(unguardedRunsCode(command, values)).toBe(true);
    const ctx = stepContext({ scope: { inputs: { v: values }, steps: {}, trigger: null } });
    const failure = bashStep.run(ctx, bash(command));
    await expect(failure).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(failure).rejects.toMatchObject({ code: 'bash_unsafe_template' });
    expect(fs.readdirSync(ctx.workDir)).toEqual([]);
  });

  it.each<[string, string, Record<string, string>, string]>([
    ['[ a = b ]', '[ {{ inputs.v.a }} = {{ inputs.v.b }} ] || printf differ', TEST_V, 'differ'],
    ['[ -n a -a -n b ]', '[ -n {{ inputs.v.a }} -a -n {{ inputs.v.b }} ] && printf both', TEST_V, 'both'],
    ['local NAME=value', 'f() { local x={{ inputs.v.a }}; printf %s "$x"; }; f', SUBSCRIPT, SUBSCRIPT.a],
    ['export NAME=value', 'export X={{ inputs.v.a }}; printf %s "$X"', ELEMENTS, ELEMENTS.a],
    ['readonly NAME=value', 'readonly X={{ inputs.v.a }}; printf %s "$X"', ELEMENTS, ELEMENTS.a],
    ['declare -a NAME=(value)', 'declare -a arr=({{ inputs.v.a }}); printf %s "${arr[0]}"', { a: '[$(touch pwned)]=1' }, '[$(touch pwned)]=1'],
    ['NAME=(value)', 'arr=({{ inputs.v.a }}); printf %s "${arr[0]}"', { a: '[$(touch pwned)]=1' }, '[$(touch pwned)]=1'],
    ['an assignment before a command', 'X={{ inputs.v.a }} printenv X', TOUCH_PWNED, 'touch pwned\n'],
    ['env NAME=value', 'env X={{ inputs.v.a }} printenv X', { a: '$(touch pwned)' }, '$(touch pwned)\n'],
    ['timeout’s duration', 'timeout {{ inputs.v.a }} true; printf done', { a: '$(touch pwned)' }, 'done'],
    ['nice -n’s value', 'nice -n {{ inputs.v.a }} true; printf done', { a: '$(touch pwned)' }, 'done'],
    ['a case subject', 'case {{ inputs.v.a }} in touch) ;; *) printf other ;; esac', TOUCH_PWNED, 'other'],
    ['a find test', 'find . -name {{ inputs.v.a }}; printf done', { a: '$(touch pwned)' }, 'done'],
  ])('keeps a value as data where a command reads it as data: %s', async (_name, command, values, expected) => {
    const ctx = stepContext({ scope: { inputs: { v: values }, steps: {}, trigger: null } });
    const output = (await bashStep.run(ctx, bash(command))) as { stdout: string };
    expect(output.stdout).toBe(expected);
    expect(fs.readdirSync(ctx.workDir)).toEqual([]);
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
