/**
 * The command-word rules of `shell-template.ts`: given the words of a simple command up to the
 * word a placeholder sits in, whether the command (bash, a builtin, or a program that runs the
 * words after it) would take the value as code. The scanner in `shell-template.ts` tracks quoting
 * and hands each placeholder's command here as words.
 *
 * Programs are recognised by a word's literal value (after quote removal: `"eval"`, `\eval` and
 * `e"va"l` are `eval`), by their base name (`/usr/bin/env` is `env`). A word holding an expansion
 * (`$CMD`) has no literal value: what it runs is the author's.
 */

/** A word of a simple command. */
export interface ShellWord {
  /** The unquoted characters as written, each quoted or escaped part a marker: reserved words and assignments are read from it, so `"[["` never reads as `[[`. */
  readonly raw: string;
  /** The value after quote removal; null where an expansion, a glob or a value makes it unknown. For the placeholder's word: its literal text before the placeholder. */
  readonly literal: string | null;
  /** The word holds a placeholder. */
  readonly placeholder: boolean;
}

export const NAME_EVALUATES =
  'bash evaluates the array subscript of a variable name, so a value such as x[$(cmd)] runs cmd; write the variable name in the command itself';
/**
 * Variables the dynamic loader, the C library or the shell read as code to run (a library to load,
 * a file to source, a function definition, a prompt expanded with `$( )`), not as data. A bash
 * step's `env` may not set them (bash.ts), nor may a value be assigned to them in the command
 * (`LD_PRELOAD={{ v }} cmd`, `export BASH_ENV={{ v }}`, `env LD_PRELOAD={{ v }} cmd`). `ENV` is not
 * among them: only an interactive shell sources it (a step's `bash -c` is not), and it is a common
 * name for a deployment environment (`ENV=staging`).
 */
const CODE_ENV_NAMES = ['BASH_ENV', 'SHELLOPTS', 'BASHOPTS', 'PS4', 'PROMPT_COMMAND', 'GCONV_PATH', 'GETCONF_DIR', 'GLIBC_TUNABLES', 'LOCPATH', 'NLSPATH'];
const CODE_ENV_PREFIXES = ['LD_', 'BASH_FUNC_'];

/** Why a variable `name` may not be set to a value (in a step's `env` or in its command), or null when it may. */
export function codeEnvNameProblem(name: string): string | null {
  if (CODE_ENV_NAMES.includes(name) || CODE_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return `would run code: the dynamic loader, the C library or the shell reads it as code to load or run (${CODE_ENV_PREFIXES.map((p) => `${p}*`).join(', ')}, ${CODE_ENV_NAMES.join(', ')} are refused)`;
  }
  return null;
}

/** A placeholder in the value of an assignment `text` (`NAME=…`, `NAME[i]+=…`): refused when NAME is one the loader or shell runs code from. */
function assignedNameRefusal(text: string | null): string | null {
  const name = text === null ? undefined : /^[A-Za-z_][A-Za-z0-9_]*/.exec(text)?.[0];
  if (name === undefined) return null;
  const problem = codeEnvNameProblem(name);
  return problem === null ? null : `the value of the variable ${name}, which ${problem}; pass the value in a variable of another name`;
}

/** Words after which the next word is still in command position (`if read x`, `! test -v x`); `time` is a runner (below). */
const COMMAND_PREFIX_WORDS = new Set(['!', '{', 'if', 'then', 'else', 'elif', 'do', 'while', 'until', 'coproc']);
/** `NAME=value`, `NAME+=value`, `NAME[i]=value` before a command. */
const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
/** `NAME=value` as an argument of `declare` and its kin. */
const DECLARED_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
/** `NAME=(…)`: a compound (array) assignment, whose elements stay data. */
const COMPOUND_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=\(/;

/** Whether the next word is a command's name: every word so far is a reserved word a command may follow. */
export function atCommandName(words: readonly ShellWord[]): boolean {
  return words.every((word) => COMMAND_PREFIX_WORDS.has(word.raw));
}

/**
 * Why a placeholder in the last of `words` (the word being written) would run as code, or null when
 * it is data there. `words` are the simple command's words so far, without redirections.
 */
export function placeholderRefusal(words: readonly ShellWord[]): string | null {
  return commandRefusal(words, 0, { runner: null, prefixes: true, assignments: 'shell' });
}

/** Which `NAME=value` words come before a command: bash's (`X=1 cmd`), `env`'s (any `NAME=`), none. */
type Assignments = 'shell' | 'env' | 'none';
type Position = {
  /** The program that runs this command (`sudo`), null for bash itself. */
  readonly runner: string | null;
  /** Reserved words (`!`, `if` …) may come first. */
  readonly prefixes: boolean;
  readonly assignments: Assignments;
};

/** The command starting at `words[from]`: its name, then the rules of the program it names. */
function commandRefusal(words: readonly ShellWord[], from: number, position: Position): string | null {
  const last = words.length - 1;
  let i = from;
  while (i < last && ((position.prefixes && COMMAND_PREFIX_WORDS.has(words[i]!.raw)) || isAssignment(words[i]!, position.assignments))) i++;
  if (i === last) {
    const word = words[last]!;
    if (!isAssignment(word, position.assignments)) return commandNameRefusal(position.runner);
    return assignedNameRefusal(position.assignments === 'env' ? word.literal : word.raw);
  }
  const literal = words[i]!.literal;
  // `$CMD {{ v }}`: what the author's variable runs is the author's.
  if (literal === null) return null;
  return programRefusal(literal.slice(literal.lastIndexOf('/') + 1), words, i + 1);
}

function isAssignment(word: ShellWord, assignments: Assignments): boolean {
  switch (assignments) {
    case 'shell':
      return ASSIGNMENT_WORD.test(word.raw);
    case 'env':
      return word.literal !== null && /^[^=-][^=]*=/.test(word.literal);
    case 'none':
      return false;
    default: {
      const unexpected: never = assignments;
      throw new Error(`unknown assignments ${String(unexpected)}`);
    }
  }
}

function commandNameRefusal(runner: string | null): string {
  const what = runner === null ? 'the name of a command: bash would run' : `the name of the command "${runner}" runs: it would run`;
  return `${what} whatever program, function or builtin the value names; write the command in the template and pass the value to it as an argument`;
}

/** Whether a word (or the text before a placeholder) is an option word: `-x`, `--name`, not `-` alone. */
function isOption(literal: string | null): literal is string {
  return literal?.startsWith('-') === true && literal !== '-';
}

/** Whether a word (or the text before a placeholder) starts with a character that makes it no option: not empty, no leading `-`. */
function startsPlain(literal: string | null): boolean {
  return literal !== null && literal !== '' && !literal.startsWith('-');
}

/** The rules of the program `name`, whose arguments are `words[from…]` (the last holds the placeholder). */
function programRefusal(name: string, words: readonly ShellWord[], from: number): string | null {
  const runner = RUNNERS.get(name);
  if (runner !== undefined) return runnerRefusal(name, runner, words, from);
  const args = words.slice(from);
  switch (name) {
    case '[':
    case 'test':
      return testRefusal(name, args);
    case 'printf':
      return builtinOptionRefusal(name, args, 'v', `the variable name of "printf -v": ${NAME_EVALUATES}`);
    case 'wait':
      return builtinOptionRefusal(name, args, 'p', `the variable name of "wait -p": ${NAME_EVALUATES}`);
    case 'hash':
      return builtinOptionRefusal(name, args, 'p', 'the path of "hash -p", the program bash then runs for the name; write the path in the command itself');
    case 'enable':
      return builtinOptionRefusal(name, args, 'f', 'the file of "enable -f", a library bash loads and runs; write the path in the command itself');
    case 'read':
    case 'unset':
      return `an argument of "${name}", which takes variable names: ${NAME_EVALUATES}`;
    case 'mapfile':
    case 'readarray':
      return `an argument of "${name}", which takes an array name (bash evaluates its subscript) and a callback (-C) that bash runs; write the name in the command itself and pass the value on its standard input`;
    case 'getopts':
      return args.length <= 2
        ? 'the option string or the variable name of "getopts" (a value there could choose which variable it sets); write both in the command itself'
        : null;
    case 'trap':
      return 'an argument of "trap", whose action bash runs as a command; set a variable to the value and use "$VAR" in the action';
    case 'eval':
    case 'source':
    case '.':
      return `an argument of "${name}", which bash runs as code: a value must stay data (pass it in "$VAR" to a command that reads it as data)`;
    case 'let':
      return `an argument of "let", an arithmetic expression: ${NAME_EVALUATES}`;
    case 'compgen':
    case 'complete':
      return `an argument of "${name}", whose word list (-W) bash expands and whose actions (-C, -F) it runs, which can run code in the value; write the words in the command itself`;
    case 'declare':
    case 'typeset':
    case 'local':
    case 'export':
    case 'readonly':
      return declareRefusal(name, args);
    case 'find':
      return findRefusal(args);
    case 'ssh':
      return 'an argument of "ssh", which joins the words after the host into a command line for the remote shell, and reads a value in place of the host as an option (-oProxyCommand=… runs a command); pass the value on its standard input instead';
    case 'parallel':
      return 'an argument of "parallel", which runs its command line through a shell, so a value in it can run code; pass the value on its standard input instead';
    case 'su':
    case 'runuser':
      return suRefusal(name, words, from);
    default:
      return SHELLS.has(name) ? shellRefusal(name, args) : startedShellRefusal(args);
  }
}

/**
 * A program not in the tables that starts a shell with the words after it (`docker exec C sh -c CMD`,
 * `kubectl exec POD -- sh -c CMD`): a value as the command string of a later shell word's `-c` is
 * refused as for `sh -c`. Its other words are the author's.
 */
function startedShellRefusal(args: readonly ShellWord[]): string | null {
  const last = args.length - 1;
  for (let k = 0; k < last; k++) {
    const literal = args[k]!.literal;
    if (literal === null) continue;
    const shell = literal.slice(literal.lastIndexOf('/') + 1);
    if (!SHELLS.has(shell)) continue;
    let commandString = false;
    let j = k + 1;
    for (; j < last; j++) {
      const option = args[j]!.literal;
      if (option === null || !/^[-+]./.test(option) || option === '--') break;
      if (option.startsWith('-') && !option.startsWith('--') && option.includes('c')) commandString = true;
      // `-o NAME`, `+O NAME`: a shell option's name follows.
      if (/^[-+][A-Za-z]*[oO]$/.test(option)) j++;
    }
    if (commandString && j === last) {
      return `the command string of "${shell} -c", which runs as code: pass the value as an argument after it ("${shell} -c 'cmd "$1"' _ {{ value }}") instead`;
    }
  }
  return null;
}

/**
 * Why a placeholder as a here-string (`<<< {{ v }}`) would run as code: the command so far (the last
 * of `words`), resolved through the programs that run a command, is a shell that reads its script on
 * standard input (no `-c`, no script operand), or `source`/`.` (`source /dev/stdin`). Null when it
 * reads its standard input as data, or when the command is not yet known.
 */
export function hereStringRefusal(words: readonly ShellWord[]): string | null {
  const command = resolveCommand(words, 0, 'shell', true);
  if (command === null) return null;
  const { name, args } = command;
  if (name === 'source' || name === '.') {
    return `a here-string of "${name}", which bash runs as code (source /dev/stdin): a value must stay data; pass it to a command that reads it as data`;
  }
  if (!SHELLS.has(name)) return null;
  let options = true;
  let stdin = false;
  for (let k = 0; k < args.length; k++) {
    const literal = args[k]!.literal;
    if (options && literal !== null && /^[-+]./.test(literal) && literal !== '--') {
      if (literal.startsWith('-') && !literal.startsWith('--') && literal.includes('c')) return null;
      if (literal.startsWith('-') && !literal.startsWith('--') && literal.includes('s')) stdin = true;
      if (/^[-+][A-Za-z]*[oO]$/.test(literal) || literal === '--rcfile' || literal === '--init-file') k++;
      continue;
    }
    if (options && (literal === '--' || literal === '-')) {
      options = false;
      continue;
    }
    // With -s the operands are $1 …; else the first is a script file the shell runs, its standard input data.
    if (stdin) break;
    return null;
  }
  return `a here-string of "${name}", which reads its standard input as the script it runs, so the value would run as code; pass it as an argument instead ("${name} -c 'cmd "$1"' _ {{ value }}")`;
}

/** The program the words `words[from…]` run, through the programs that run a command (`sudo`, `env` …), with its arguments; null when unknown. */
function resolveCommand(
  words: readonly ShellWord[],
  from: number,
  assignments: Assignments,
  prefixes: boolean,
): { name: string; args: readonly ShellWord[] } | null {
  let i = from;
  while (i < words.length && ((prefixes && COMMAND_PREFIX_WORDS.has(words[i]!.raw)) || isAssignment(words[i]!, assignments))) i++;
  const literal = words[i]?.literal;
  if (literal === undefined || literal === null) return null;
  const name = literal.slice(literal.lastIndexOf('/') + 1);
  const runner = RUNNERS.get(name);
  if (runner === undefined) return { name, args: words.slice(i + 1) };
  const list = [...words];
  let positionals = runner.positionals ?? 0;
  let options = true;
  /** `sudo -s` with no command starts the user's shell, which reads its standard input. */
  let joins = false;
  for (let j = i + 1; j < list.length; j++) {
    const word = list[j]!.literal;
    if (word === null) return null;
    if (options && isOption(word)) {
      if (word === '--') {
        options = false;
        continue;
      }
      const read = readOption(runner, word);
      if (read.mode === 'inert') return null;
      if (read.mode === 'joins') joins = true;
      if (read.attached?.kind === 'split') list.splice(j + 1, 0, ...splitWords(read.attached.text));
      if (read.next !== null) {
        j++;
        const value = list[j]?.literal;
        if (value === undefined || value === null) return null;
        if (read.next === 'split') list.splice(j + 1, 0, ...splitWords(value));
      }
      continue;
    }
    options = false;
    if (positionals > 0) {
      positionals--;
      continue;
    }
    if (runner.joinsAll || runner.commandString?.includes(word)) return null;
    return resolveCommand(list, j, runner.assignments ?? 'none', runner.prefixes ?? false);
  }
  return joins ? { name: 'sh', args: [] } : null;
}

// ---- programs that run the command after their own words ------------------------------------

/** What an option's value is: data, code (a command string, a program: refused), or `env -S`'s string of further words. */
type ValueKind = 'data' | 'code' | 'split';

interface Runner {
  /** Options that take a value: one letter (`-u X`, `-uX`) or a long name (`--user X`, `--user=X`). */
  readonly values?: Readonly<Record<string, ValueKind>>;
  /** Options after which no command runs, the words being data (`command -v`), or after which the program joins its words into a command line for a shell (`sudo -s`). */
  readonly modes?: Readonly<Record<string, 'inert' | 'joins'>>;
  /** Words it takes before the command (`timeout`'s DURATION, `chroot`'s DIR): a value there is data. */
  readonly positionals?: number;
  /** A word right after the positionals that makes the next word a command string (`flock FILE -c CMD`). */
  readonly commandString?: readonly string[];
  /** `NAME=value` words it takes before the command (`env`, `sudo`). */
  readonly assignments?: Assignments;
  /** Reserved words may follow, as after the keyword `time` (`time ! cmd`). */
  readonly prefixes?: boolean;
  /** It joins the words after its options into a command line and runs it with `sh -c` (`watch`). */
  readonly joinsAll?: boolean;
}

const data = (...names: string[]): Record<string, ValueKind> => Object.fromEntries(names.map((name) => [name, 'data']));

/**
 * Programs that run the command after their options (and positionals), each with the options that
 * take a value. All stop reading options at the first word that is none (GNU getopt's `+`).
 */
const RUNNERS: ReadonlyMap<string, Runner> = new Map<string, Runner>([
  ['command', { modes: { v: 'inert', V: 'inert' } }],
  ['builtin', {}],
  ['exec', { values: data('a') }],
  ['time', { prefixes: true, assignments: 'shell' }],
  ['nohup', {}],
  ['setsid', {}],
  ['busybox', {}],
  [
    'env',
    {
      values: { ...data('u', 'C', 'P', 'a', 'unset', 'chdir', 'argv0'), S: 'split', 'split-string': 'split' },
      assignments: 'env',
    },
  ],
  ['nice', { values: data('n', 'adjustment') }],
  ['stdbuf', { values: data('i', 'o', 'e', 'input', 'output', 'error') }],
  ['timeout', { values: data('s', 'k', 'signal', 'kill-after'), positionals: 1 }],
  [
    'sudo',
    {
      values: data(
        ...['a', 'c', 'C', 'D', 'g', 'h', 'p', 'P', 'R', 'r', 'T', 't', 'U', 'u'],
        ...['auth-type', 'login-class', 'close-from', 'chdir', 'group', 'host', 'prompt', 'chroot', 'role', 'type', 'command-timeout', 'other-user', 'user'],
      ),
      modes: { s: 'joins', i: 'joins', shell: 'joins', login: 'joins', e: 'inert', edit: 'inert', l: 'inert', list: 'inert' },
      assignments: 'env',
    },
  ],
  ['doas', { values: data('a', 'C', 'u'), modes: { s: 'joins' } }],
  [
    'xargs',
    {
      values: data(...['a', 'd', 'E', 'I', 'L', 'n', 'P', 's'], ...['arg-file', 'delimiter', 'max-args', 'max-procs', 'max-chars', 'process-slot-var']),
    },
  ],
  ['chroot', { values: data('userspec', 'groups'), positionals: 1 }],
  [
    'flock',
    {
      values: { ...data('w', 'E', 'timeout', 'conflict-exit-code'), c: 'code', command: 'code' },
      positionals: 1,
      commandString: ['-c', '--command'],
    },
  ],
  ['taskset', { modes: { p: 'inert', pid: 'inert' }, positionals: 1 }],
  [
    'ionice',
    {
      values: data('c', 'n', 'p', 'P', 'u', 'class', 'classdata', 'pid', 'pgid', 'uid'),
      modes: { p: 'inert', P: 'inert', u: 'inert', pid: 'inert', pgid: 'inert', uid: 'inert' },
    },
  ],
  ['chrt', { values: data('T', 'P', 'D', 'sched-runtime', 'sched-period', 'sched-deadline'), modes: { p: 'inert', pid: 'inert' }, positionals: 1 }],
  ['watch', { values: data('n', 'q', 'interval', 'equexit'), joinsAll: true }],
]);

type OptionRead = {
  /** The value the next word is (the option ends its word). */
  next: ValueKind | null;
  /** The option's value written in the same word (`-uroot`, `--user=root`). */
  attached: { kind: ValueKind; text: string } | null;
  mode: 'inert' | 'joins' | null;
  /** How the option is written, for messages (`-u`, `--user`). */
  option: string;
};

/** Reads one option word (`-abc`, `-uNAME`, `--name`, `--name=value`) by `runner`'s tables. */
function readOption(runner: Runner, word: string): OptionRead {
  const read: OptionRead = { next: null, attached: null, mode: null, option: word };
  if (word.startsWith('--')) {
    const equals = word.indexOf('=');
    const name = word.slice(2, equals === -1 ? undefined : equals);
    read.option = `--${name}`;
    read.mode = runner.modes?.[name] ?? null;
    const kind = name.length > 1 ? runner.values?.[name] : undefined;
    if (kind !== undefined) {
      if (equals === -1) read.next = kind;
      else read.attached = { kind, text: word.slice(equals + 1) };
    }
    return read;
  }
  for (let k = 1; k < word.length; k++) {
    const letter = word[k]!;
    read.mode = runner.modes?.[letter] ?? read.mode;
    const kind = runner.values?.[letter];
    if (kind === undefined) continue;
    read.option = `-${letter}`;
    if (k + 1 < word.length) read.attached = { kind, text: word.slice(k + 1) };
    else read.next = kind;
    break;
  }
  return read;
}

/** `env -S 'bash -c'`: the words env splits the string into, read as if written in their place. */
function splitWords(text: string): ShellWord[] {
  return text
    .split(/[ \t\n]+/)
    .filter((part) => part !== '')
    .map((part) => ({ raw: part, literal: part, placeholder: false }));
}

function valueKindRefusal(name: string, option: string, kind: ValueKind): string | null {
  switch (kind) {
    case 'data':
      return null;
    case 'code':
      return `the value of "${name} ${option}", which ${name} runs as a command; pass the value as an argument of a command written in the template instead`;
    case 'split':
      return `the string of "${name} ${option}", which env splits into the command it runs; write the command in the template and pass the value as its argument`;
    default: {
      const unexpected: never = kind;
      throw new Error(`unknown value kind ${String(unexpected)}`);
    }
  }
}

function eitherRefusal(name: string): string {
  return `where "${name}" reads its own options or the command it runs: a value there could be either (an option, or the program to run); write the options and the command in the template and the value after them`;
}

function joinsRefusal(name: string, option: string): string {
  return `an argument of "${name} ${option}", which joins its arguments into a command line for a shell, so a value there can run code; drop ${option} and pass the value as an argument of the command`;
}

const WATCH_REFUSAL =
  'an argument of "watch", which joins its arguments and runs them with "sh -c", so a value there runs as code; pass it through the environment instead (env V={{ v }} watch \'cmd "$V"\')';

/**
 * A placeholder in a command `name` runs (`sudo`, `timeout`, `env` …): a value of one of its options
 * is data unless the option runs it; a positional (`timeout`'s DURATION) is data; where it reads
 * options and nothing else could come, a value could be an option or the command: refused; the
 * command after them is checked as a command of its own.
 */
function runnerRefusal(name: string, runner: Runner, words: readonly ShellWord[], from: number): string | null {
  const list = [...words];
  let positionals = runner.positionals ?? 0;
  let options = true;
  let joins: string | null = null;
  for (let j = from; j < list.length; j++) {
    const literal = list[j]!.literal;
    const last = j === list.length - 1;
    if (options && isOption(literal)) {
      if (literal === '--' && !last) {
        options = false;
        continue;
      }
      const read = readOption(runner, literal);
      if (last) {
        // The value is written into this option word: the option's value, or more option letters.
        const kind = read.next ?? read.attached?.kind;
        return kind === undefined ? eitherRefusal(name) : valueKindRefusal(name, read.option, kind);
      }
      if (read.mode === 'inert') return null;
      if (read.mode === 'joins') joins = read.option;
      if (read.attached?.kind === 'split') list.splice(j + 1, 0, ...splitWords(read.attached.text));
      if (read.next !== null) {
        j++;
        if (j === list.length - 1) return valueKindRefusal(name, read.option, read.next);
        const value = list[j]!.literal;
        if (read.next === 'split') {
          // `env -S "$X"`: what the author's string runs is the author's.
          if (value === null) return null;
          list.splice(j + 1, 0, ...splitWords(value));
        }
      }
      continue;
    }
    if (last) {
      if (joins !== null) return joinsRefusal(name, joins);
      if (runner.joinsAll) return WATCH_REFUSAL;
      if (positionals > 0) return null;
      if (options && !startsPlain(literal)) return eitherRefusal(name);
      return commandRefusal(list, j, { runner: name, prefixes: runner.prefixes ?? false, assignments: runner.assignments ?? 'none' });
    }
    options = false;
    if (positionals > 0) {
      positionals--;
      continue;
    }
    if (joins !== null) return joinsRefusal(name, joins);
    if (runner.joinsAll) return WATCH_REFUSAL;
    if (literal !== null && runner.commandString?.includes(literal)) {
      return j + 1 === list.length - 1 ? valueKindRefusal(name, literal, 'code') : null;
    }
    return commandRefusal(list, j, { runner: name, prefixes: runner.prefixes ?? false, assignments: runner.assignments ?? 'none' });
  }
  return null;
}

const SU_OPTIONS: Runner = {
  values: {
    ...data('g', 'G', 'w', 'u', 'group', 'supp-group', 'whitelist-environment', 'user'),
    ...{ c: 'code', command: 'code', 'session-command': 'code', s: 'code', shell: 'code' },
  },
};

/**
 * `su [options] [-] [USER [ARG…]]` passes the words after USER to the user's shell;
 * `runuser -u USER [--] CMD [ARG…]` runs CMD. Both read options anywhere among their words
 * (`-c` takes a command string, `-s` a shell to run), so a value is data only as the value of
 * `-u`, `-g`, `-G` or `-w`, or after `runuser -u USER --` (checked as a command).
 */
function suRefusal(name: string, words: readonly ShellWord[], from: number): string | null {
  const last = words.length - 1;
  let user = false;
  for (let j = from; j < last; j++) {
    const literal = words[j]!.literal;
    if (literal === '--') {
      if (user && name === 'runuser') return commandRefusal(words, j + 1, { runner: 'runuser', prefixes: false, assignments: 'none' });
      break;
    }
    if (literal === null || !literal.startsWith('-')) continue;
    const read = readOption(SU_OPTIONS, literal);
    if (read.option === '-u' || read.option === '--user') user = true;
    if (read.next === null) continue;
    j++;
    if (j === last) return valueKindRefusal(name, read.option, read.next);
  }
  const partial = words[last]!.literal;
  if (isOption(partial)) {
    const read = readOption(SU_OPTIONS, partial);
    const kind = read.next ?? read.attached?.kind;
    if (kind !== undefined) return valueKindRefusal(name, read.option, kind);
  }
  return `an argument of "${name}", which reads options anywhere among its words (-c runs a command string) and passes the words after the user to a shell; use "runuser -u USER -- cmd {{ v }}" or pass the value on standard input`;
}

// ---- builtins and programs that read a value as code ------------------------------------------

/**
 * `test` and `[` read their operators after expansion: a value can be a unary operator such as
 * `-v`, which makes the next word a variable name whose subscript bash evaluates. So a value right
 * after a word bash only knows after expansion (another value, `$x`) is refused, as is `-v`'s operand.
 */
function testRefusal(name: string, args: readonly ShellWord[]): string | null {
  const previous = args[args.length - 2];
  if (previous === undefined) return null;
  if (previous.literal === '-v') return `the operand of "${name} -v": ${NAME_EVALUATES}`;
  if (previous.placeholder || previous.literal === null) {
    const command = name === '[' ? '[ ]' : 'test';
    return `right after another value (or expansion) in "${command}": if that one is an operator such as -v, bash reads this one as a variable name and evaluates its array subscript, which can run code; write an operator between them ([ {{ a }} = {{ b }} ]) or use "[[ ]]"`;
  }
  return null;
}

/**
 * A builtin with an option whose value bash evaluates or runs (`printf -v NAME`, `wait -p NAME`):
 * a value as that option's value is refused, and so is one where the builtin still reads options,
 * as a value such as `-vx[$(cmd)]` is the option with its value attached.
 */
function builtinOptionRefusal(name: string, args: readonly ShellWord[], option: string, valueMessage: string): string | null {
  const last = args.length - 1;
  for (let k = 0; k < last; k++) {
    const literal = args[k]!.literal;
    // The first word that is no option (or `--`) ends them: the rest is data.
    if (literal === null || literal === '--' || !/^-./.test(literal)) return null;
    if (/^-[A-Za-z]+$/.test(literal) && literal.endsWith(option)) {
      if (k + 1 === last) return valueMessage;
      k++;
    }
  }
  const partial = args[last]!.literal;
  if (startsPlain(partial)) return null;
  if (partial !== null && /^-[A-Za-z]+$/.test(partial) && partial.endsWith(option)) return valueMessage;
  return `where "${name}" still reads its options: a value such as -${option}x[$(cmd)] is read as the option -${option} with its value attached, which can run code; write "--" or another argument before the value`;
}

/**
 * `declare`, `typeset`, `local`, `export`, `readonly`: the value of `NAME=value` is data, but not with
 * `-i` (evaluated as arithmetic), `-n` (a variable name) or `-a`/`-A` (a value such as `([0]=$(cmd))`
 * is evaluated as elements); and a value in the name chooses the variable (and bash evaluates its
 * subscript in `declare x[…]=`).
 */
function declareRefusal(name: string, args: readonly ShellWord[]): string | null {
  const word = args[args.length - 1]!;
  const flags = args
    .slice(0, -1)
    .map((arg) => arg.literal ?? '')
    .filter((literal) => /^[-+][A-Za-z]+$/.test(literal))
    .join('');
  if (flags.includes('n') && name !== 'export') return `a variable name of "${name}" (the target of a nameref, -n): ${NAME_EVALUATES}`;
  if (flags.includes('i')) {
    return `an argument of "${name} -i": bash evaluates the value of an integer variable as arithmetic, which can run code; assign it without -i (compute numbers inside {{ }})`;
  }
  if (!DECLARED_ASSIGNMENT.test(word.raw)) {
    return name === 'export' || name === 'readonly'
      ? `a variable name of "${name}": the value would choose which variable to set (PATH, BASH_ENV …); write the name in the command itself`
      : `a variable name of "${name}": ${NAME_EVALUATES}`;
  }
  if (/[aA]/.test(flags) && !COMPOUND_ASSIGNMENT.test(word.raw)) {
    return `the value of an array assignment ("${name} -a NAME=…"): bash evaluates a value such as ([0]=$(cmd)) as a list of elements, which can run code; write NAME=({{ v }}) instead`;
  }
  return assignedNameRefusal(word.raw);
}

const FIND_RUNS = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** `find … -exec CMD … ;` (or `{} +`): the words after `-exec` are a command; elsewhere `find`'s words are data. */
function findRefusal(args: readonly ShellWord[]): string | null {
  const last = args.length - 1;
  let exec = -1;
  for (let k = 0; k < last; k++) {
    const literal = args[k]!.literal;
    if (exec === -1) {
      if (literal !== null && FIND_RUNS.has(literal)) exec = k;
    } else if (literal === ';' || (literal === '+' && args[k - 1]!.literal === '{}')) exec = -1;
  }
  return exec === -1 ? null : commandRefusal(args, exec + 1, { runner: `find ${args[exec]!.literal}`, prefixes: false, assignments: 'none' });
}

const SHELLS = new Set(['sh', 'bash', 'rbash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'pdksh', 'yash', 'posh', 'fish', 'csh', 'tcsh']);

/**
 * A shell runs its `-c` string, or else its first operand as a script file (unless `-s`); the words
 * after those are `$0`, `$1` … (data). Where it still reads options, a value could be `-c`.
 */
function shellRefusal(shell: string, args: readonly ShellWord[]): string | null {
  const last = args.length - 1;
  let commandString = false;
  let stdin = false;
  let options = true;
  let operands = 0;
  /** The next word is an option's value: a shell option's name, or a file the shell runs (`--rcfile`). */
  let value: 'data' | 'code' | null = null;
  for (let k = 0; k < last; k++) {
    const literal = args[k]!.literal;
    if (value !== null) {
      value = null;
      continue;
    }
    if (options && literal !== null && /^[-+]./.test(literal) && literal !== '--') {
      if (literal.startsWith('--')) value = literal === '--rcfile' || literal === '--init-file' ? 'code' : null;
      else {
        if (literal.startsWith('-') && literal.includes('c')) commandString = true;
        if (literal.startsWith('-') && literal.includes('s')) stdin = true;
        // `-o NAME`, `+O NAME`: a shell option's name follows.
        value = /[oO]$/.test(literal) ? 'data' : null;
      }
      continue;
    }
    if (options && (literal === '--' || literal === '-')) {
      options = false;
      continue;
    }
    options = false;
    operands++;
  }
  const commandStringRefusal = `the command string of "${shell} -c", which runs as code: pass the value as an argument after it ("${shell} -c 'cmd "$1"' _ {{ value }}") instead`;
  if (value === 'code') return `the file of "${shell} ${args[last - 1]!.literal}", a script the shell runs; write its path in the command itself`;
  if (value === 'data') return null;
  if (options && !startsPlain(args[last]!.literal)) {
    return commandString
      ? commandStringRefusal
      : `where "${shell}" reads its options: a value such as -c would make the next word a command string; write "--" before the value`;
  }
  if (commandString) return operands === 0 ? commandStringRefusal : null;
  if (stdin || operands > 0) return null;
  return `the script "${shell}" runs, a file of code the value would name; write the script's path in the command itself and pass the value after it`;
}
