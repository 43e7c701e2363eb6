import type { ParsedExpression } from '../expressions/parse';
import { parseTemplate, type ParsedTemplate } from '../expressions/templates';

/**
 * A bash `command` template turned into a script plus values: every `{{ expr }}` becomes a
 * reference to an environment variable (`WEFT_ARG_1`, `WEFT_ARG_2`, ...) that holds its value. Bash
 * expands a parameter exactly once and never parses the result as syntax, so a value such as
 * `x; id` or `$(touch pwned)` stays data. Pasting the rendered text into `bash -c` (what Weft did
 * before) let any value become code.
 *
 * The reference has to be written for where the placeholder sits, so this module reads the
 * command's quoting state the way bash does:
 * - unquoted → `"$WEFT_ARG_1"` (one word: no splitting, no globbing);
 * - inside `"…"` or an unquoted heredoc body → `${WEFT_ARG_1}` (braced, so the next character
 *   cannot extend the name);
 * - inside `'…'` → `'"$WEFT_ARG_1"'` (close the quote, a double-quoted expansion, reopen);
 * - inside `$'…'` → `'"$WEFT_ARG_1"$'`;
 * - inside a comment → `"$WEFT_ARG_1"` (never run).
 * Places where bash would evaluate the value as code after expanding it, or where no reference
 * can be written safely, are refused: arithmetic (`$(( ))`, `(( ))`, `$[ ]`), `${ … }`, array
 * subscripts (`a[…]`, which are arithmetic), `[[ … ]]` with an arithmetic comparison (`-eq` …),
 * a variable name (the operand of `-v`, `printf -v`, `read`, `unset`: bash evaluates its
 * subscript), `trap`'s arguments, backticks (their body is parsed twice), quoted heredocs (no
 * expansion) and heredoc delimiters, and a placeholder right after an escaping backslash or a `$`.
 * Quotes around a placeholder change none of this: `$(( "$X" ))` still evaluates `$X`.
 *
 * What a command does with a value is still the author's: `eval`, `bash -c`, `source`, `let` or
 * `declare -i` run their arguments as code, and a value starting with `-` can be read as an option.
 *
 * One file of ~580 lines on purpose: the scanner's quoting states and the rules for writing a
 * reference in each are one state machine; split, a reader would have to hold two files to check
 * that every state has a rule.
 */

export const SHELL_ARG_PREFIX = 'WEFT_ARG_';

export type ShellPlacement = 'unquoted' | 'double' | 'single' | 'ansi' | 'heredoc' | 'comment';

export interface ShellArg {
  /** The environment variable that carries the value. */
  readonly name: string;
  readonly expression: ParsedExpression;
  /** Offset of the `{{` in the template. */
  readonly start: number;
  readonly placement: ShellPlacement;
}

export interface ShellCommand {
  readonly script: string;
  readonly args: readonly ShellArg[];
}

export type ShellCompileResult =
  | { readonly ok: true; readonly command: ShellCommand }
  | { readonly ok: false; readonly message: string; readonly index: number };

type Heredoc = { readonly delimiter: string; readonly quoted: boolean; readonly dash: boolean };
type Cond = { arithmetic: boolean; firstPlaceholder: number | null; lastWord: string };
type DelimiterReader = { dash: boolean; text: string; quoted: boolean; started: boolean };

type CommandContext = {
  kind: 'command';
  /** `)` for `$( )`, `<( )`, `>( )`; null at top level. */
  closer: ')' | null;
  parens: number;
  atWordStart: boolean;
  word: string;
  /** An unquoted `[` in the current word that no `]` closed yet. */
  inSubscript: boolean;
  /** The words of the current simple command so far (without redirections), for the builtins that take variable names. */
  words: string[];
  /** The next word is a redirection's target (a file, a here-string), not an argument. */
  redirect: boolean;
  conds: Cond[];
  caseState: 'none' | 'awaiting-in';
  openCases: number;
  delimiter: DelimiterReader | null;
};
type Context =
  | CommandContext
  | { kind: 'double' }
  | { kind: 'single' }
  | { kind: 'ansi' }
  | { kind: 'param'; braces: number }
  | { kind: 'arith'; closer: '))' | ']'; depth: number }
  | { kind: 'backtick' }
  | { kind: 'comment' }
  | { kind: 'heredoc'; doc: Heredoc; line: string; lineHasPlaceholder: boolean };

const ARITHMETIC_TESTS = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);
/** Words after which the next word is still in command position (`if read x`, `! test -v x`). */
const COMMAND_PREFIX_WORDS = new Set(['!', '{', 'if', 'then', 'else', 'elif', 'do', 'while', 'until', 'time']);
/** Run the next word (and skip their own options): `command read x`, `builtin printf -v x`. */
const COMMAND_RUNNERS = new Set(['command', 'builtin', 'time']);
/** `NAME=value`, `NAME+=value`, `NAME[i]=value` before a command. */
const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
/** A descriptor before a redirection: `2>`, `{fd}<`. */
const REDIRECT_FD_WORD = /^([0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/;
const NAME_EVALUATES =
  'bash evaluates the array subscript of a variable name, so a value such as x[$(cmd)] runs cmd; write the variable name in the command itself';
/** Characters that end an unquoted word. */
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
/** Marks quoted or escaped characters inside a tracked word, so `"[["` never reads as `[[`. */
const QUOTED = '\u0000';

class Refusal {
  constructor(
    readonly message: string,
    readonly index: number,
  ) {}
}

const commandContext = (closer: ')' | null): CommandContext => ({
  kind: 'command',
  closer,
  parens: 0,
  atWordStart: true,
  word: '',
  inSubscript: false,
  words: [],
  redirect: false,
  conds: [],
  caseState: 'none',
  openCases: 0,
  delimiter: null,
});

class Scanner {
  private readonly stack: Context[] = [commandContext(null)];
  private readonly pendingHeredocs: Heredoc[] = [];
  /** The last text ended in a `$` or a `\` that would apply to whatever comes next. */
  private danglingDollar = false;
  private danglingBackslash = false;
  private offset = 0;

  private get top(): Context {
    return this.stack[this.stack.length - 1]!;
  }

  text(text: string, offset: number): void {
    this.offset = offset;
    this.danglingDollar = false;
    this.danglingBackslash = false;
    let i = 0;
    while (i < text.length) i += this.step(text, i);
  }

  /** Where the next placeholder sits, or a refusal. Updates the state as if a quoted word were written there. */
  placeholder(start: number): ShellPlacement {
    const top = this.top;
    const at = (message: string) => new Refusal(message, start);
    if (this.danglingBackslash && top.kind !== 'single') throw at('right after a backslash, which would escape the value; remove the backslash');
    if (this.danglingDollar) throw at('right after "$", which would join the value to a shell expansion; write "\\$" for a literal dollar sign');
    this.danglingBackslash = false;
    this.danglingDollar = false;
    switch (top.kind) {
      case 'command': {
        if (top.delimiter !== null) throw at('in a heredoc delimiter; the delimiter must be literal text');
        this.commandPlaceholder(top, start);
        top.atWordStart = false;
        top.word += QUOTED;
        return 'unquoted';
      }
      case 'double':
      case 'single':
      case 'ansi':
        this.quotedPlaceholder(start);
        return top.kind;
      case 'comment':
        return 'comment';
      case 'heredoc':
        if (top.doc.quoted)
          throw at(`in a quoted heredoc (<<'${top.doc.delimiter}'), which does not expand values; use an unquoted delimiter (<<${top.doc.delimiter})`);
        top.lineHasPlaceholder = true;
        return 'heredoc';
      case 'param':
      case 'arith':
      case 'backtick':
        throw expansionRefusal(top.kind, start);
      default: {
        const unexpected: never = top;
        throw new Error(`unknown shell context ${JSON.stringify(unexpected)}`);
      }
    }
  }

  end(): void {
    const top = this.top;
    if (top.kind === 'command') this.endWord(top);
  }

  /**
   * Quotes keep a value one word, not out of what evaluates it: bash still evaluates `$(( "$X" ))`,
   * `a["$X"]=1`, `${X:"$Y"}`, `[[ "$X" -eq 1 ]]` and `read "$X"`. So the context the quotes sit in
   * decides, as for an unquoted placeholder there.
   */
  private quotedPlaceholder(start: number): void {
    for (let i = this.stack.length - 2; i >= 0; i--) {
      const context = this.stack[i]!;
      switch (context.kind) {
        case 'double':
        case 'single':
        case 'ansi':
          continue;
        case 'command':
          this.commandPlaceholder(context, start);
          return;
        case 'param':
        case 'arith':
        case 'backtick':
          throw expansionRefusal(context.kind, start);
        default:
          return;
      }
    }
  }

  /** A placeholder in (or in quotes in) a word of `ctx`: refused where bash evaluates that word. */
  private commandPlaceholder(ctx: CommandContext, start: number): void {
    const at = (message: string) => new Refusal(message, start);
    if (ctx.inSubscript) throw at('inside "[ ]" of a word: bash evaluates array subscripts as arithmetic, which can run code in the value');
    const cond = ctx.conds[ctx.conds.length - 1];
    if (cond !== undefined) {
      cond.firstPlaceholder ??= start;
      if (cond.lastWord === '-v') throw at(`the operand of "-v" in "[[ ]]": ${NAME_EVALUATES}`);
    }
    if (ctx.redirect) return;
    const refusal = nameArgumentRefusal(ctx.words, ctx.word);
    if (refusal !== null) throw at(refusal);
  }

  private push(context: Context): void {
    this.stack.push(context);
  }

  private pop(): void {
    if (this.stack.length > 1) this.stack.pop();
  }

  /** Handles the character at `i`; returns how many characters it consumed (0: reread it in the new context). */
  private step(text: string, i: number): number {
    const top = this.top;
    switch (top.kind) {
      case 'command':
        return this.commandStep(top, text, i);
      case 'double':
        return this.doubleStep(text, i);
      case 'single':
        if (text[i] === "'") this.pop();
        return 1;
      case 'ansi':
        if (text[i] === '\\') return this.escape(text, i);
        if (text[i] === "'") this.pop();
        return 1;
      case 'param':
        return this.paramStep(top, text, i);
      case 'arith':
        return this.arithStep(top, text, i);
      case 'backtick':
        if (text[i] === '\\') return this.escape(text, i);
        if (text[i] === '`') this.pop();
        return 1;
      case 'comment':
        if (text[i] !== '\n') return 1;
        this.pop();
        return 0;
      case 'heredoc':
        return this.heredocStep(top, text, i);
      default: {
        const unexpected: never = top;
        throw new Error(`unknown shell context ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** A backslash escapes the next character; at the end of a text part it escapes the placeholder. */
  private escape(text: string, i: number): number {
    if (i + 1 >= text.length) {
      this.danglingBackslash = true;
      return 1;
    }
    return 2;
  }

  /** `$` forms that open a context; returns the characters consumed, or 0 when `$` is plain here. */
  private dollar(text: string, i: number, { ansi }: { ansi: boolean }): number {
    const next = text[i + 1];
    if (next === undefined) {
      this.danglingDollar = true;
      return 1;
    }
    if (next === '(' && text[i + 2] === '(') {
      this.push({ kind: 'arith', closer: '))', depth: 0 });
      return 3;
    }
    if (next === '(') {
      this.push(commandContext(')'));
      return 2;
    }
    if (next === '{') {
      this.push({ kind: 'param', braces: 0 });
      return 2;
    }
    if (next === '[') {
      this.push({ kind: 'arith', closer: ']', depth: 0 });
      return 2;
    }
    if (ansi && next === "'") {
      this.push({ kind: 'ansi' });
      return 2;
    }
    if (ansi && next === '"') {
      this.push({ kind: 'double' });
      return 2;
    }
    // `$$` is the shell's pid: both characters, so the second is not left dangling.
    return next === '$' ? 2 : 1;
  }

  private commandStep(ctx: CommandContext, text: string, i: number): number {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ctx.delimiter !== null) return this.delimiterStep(ctx, text, i);
    if (ch === '\\') {
      ctx.word += QUOTED;
      ctx.atWordStart = false;
      return this.escape(text, i);
    }
    // `2>file`, `{fd}<file`: the descriptor belongs to the redirection, not to the command's words.
    if ((ch === '<' || ch === '>') && REDIRECT_FD_WORD.test(ctx.word)) ctx.word = '';
    if (WORD_END.has(ch)) this.endWord(ctx);
    switch (ch) {
      case ' ':
      case '\t':
        ctx.atWordStart = true;
        return 1;
      case '&':
        ctx.atWordStart = true;
        // `&>file` and `&>>file` redirect; any other `&` ends the command.
        if (next === '>') {
          ctx.redirect = true;
          return text[i + 2] === '>' ? 3 : 2;
        }
        endCommand(ctx);
        return 1;
      case ';':
      case '|':
        ctx.atWordStart = true;
        endCommand(ctx);
        return 1;
      case '\n':
        ctx.atWordStart = true;
        endCommand(ctx);
        this.startHeredoc();
        return 1;
      case '(':
        endCommand(ctx);
        // `((` opens an arithmetic command wherever it stands: at a word start, and after a word
        // the `(` ended (`if((`, `while((`, `for((`, `!((`). Bash itself reads `((` as arithmetic
        // first; where it is not, a placeholder refused here is merely refused.
        if (next === '(') {
          this.push({ kind: 'arith', closer: '))', depth: 0 });
          return 2;
        }
        ctx.parens++;
        ctx.atWordStart = true;
        return 1;
      case ')':
        ctx.atWordStart = true;
        endCommand(ctx);
        if (ctx.parens > 0) ctx.parens--;
        // A `)` ending a case pattern closes nothing.
        else if (ctx.closer === ')' && ctx.openCases === 0) this.pop();
        return 1;
      case '<':
      case '>':
        ctx.atWordStart = true;
        if (next === '(') {
          // A process substitution is a word of its own, or the target of a redirection before it.
          if (ctx.redirect) ctx.redirect = false;
          else ctx.words.push(QUOTED);
          this.push(commandContext(')'));
          return 2;
        }
        ctx.redirect = true;
        // `>&2`, `<&0`, `>|file`: one operator, the `&` or `|` ends nothing.
        if (next === '&' || (ch === '>' && next === '|')) return 2;
        if (ch === '<' && next === '<') {
          if (text[i + 2] === '<') return 3;
          // The delimiter word is read apart (delimiterStep): no word is left to skip.
          ctx.redirect = false;
          const dash = text[i + 2] === '-';
          ctx.delimiter = { dash, text: '', quoted: false, started: false };
          return dash ? 3 : 2;
        }
        return 1;
      case '#':
        if (!ctx.atWordStart) break;
        this.push({ kind: 'comment' });
        return 1;
      case "'":
        this.quoted(ctx, { kind: 'single' });
        return 1;
      case '"':
        this.quoted(ctx, { kind: 'double' });
        return 1;
      case '`':
        this.quoted(ctx, { kind: 'backtick' });
        return 1;
      case '$': {
        ctx.word += QUOTED;
        ctx.atWordStart = false;
        return this.dollar(text, i, { ansi: true });
      }
      default:
        break;
    }
    if (ch === '[') ctx.inSubscript = true;
    else if (ch === ']') ctx.inSubscript = false;
    ctx.word += ch;
    ctx.atWordStart = false;
    return 1;
  }

  private quoted(ctx: CommandContext, context: Context): void {
    ctx.word += QUOTED;
    ctx.atWordStart = false;
    this.push(context);
  }

  /** A word just ended: `[[ … ]]`, `case … in … esac` are tracked by their words. */
  private endWord(ctx: CommandContext): void {
    const word = ctx.word;
    ctx.word = '';
    ctx.inSubscript = false;
    if (word === '') return;
    if (ctx.redirect) ctx.redirect = false;
    else ctx.words.push(word);
    const open = ctx.conds[ctx.conds.length - 1];
    if (open !== undefined) open.lastWord = word;
    if (word === '[[') {
      ctx.conds.push({ arithmetic: false, firstPlaceholder: null, lastWord: word });
    } else if (word === ']]') {
      const cond = ctx.conds.pop();
      if (cond?.arithmetic && cond.firstPlaceholder !== null) {
        throw new Refusal(
          'inside "[[ ]]" with an arithmetic comparison (-eq, -lt …): bash evaluates those operands as arithmetic, which can run code; use "[ ]" instead',
          cond.firstPlaceholder,
        );
      }
    } else if (ARITHMETIC_TESTS.has(word)) {
      const cond = ctx.conds[ctx.conds.length - 1];
      if (cond !== undefined) cond.arithmetic = true;
    }
    if (word === 'case') ctx.caseState = 'awaiting-in';
    else if (word === 'in' && ctx.caseState === 'awaiting-in') {
      ctx.caseState = 'none';
      ctx.openCases++;
    } else if (word === 'esac' && ctx.openCases > 0) ctx.openCases--;
  }

  /** After `<<` or `<<-`: blanks, then the delimiter word; any quoting in it makes the heredoc literal. */
  private delimiterStep(ctx: CommandContext, text: string, i: number): number {
    const reader = ctx.delimiter!;
    const ch = text[i]!;
    if (!reader.started && (ch === ' ' || ch === '\t')) return 1;
    if (WORD_END.has(ch)) {
      ctx.delimiter = null;
      if (reader.started) this.pendingHeredocs.push({ delimiter: reader.text, quoted: reader.quoted, dash: reader.dash });
      return 0;
    }
    reader.started = true;
    if (ch === "'" || ch === '"') {
      let close = i + 1;
      while (close < text.length && text[close] !== ch) close += ch === '"' && text[close] === '\\' ? 2 : 1;
      if (close >= text.length) throw new Refusal('a heredoc delimiter whose quote does not close', this.offset + i);
      reader.text += text.slice(i + 1, close);
      reader.quoted = true;
      return close + 1 - i;
    }
    if (ch === '\\') {
      reader.quoted = true;
      if (i + 1 < text.length) reader.text += text[i + 1];
      return this.escape(text, i);
    }
    reader.text += ch;
    return 1;
  }

  /** At a newline of a command: the bodies of the heredocs opened on that line follow, in order. */
  private startHeredoc(): void {
    const doc = this.pendingHeredocs.shift();
    if (doc !== undefined) this.push({ kind: 'heredoc', doc, line: '', lineHasPlaceholder: false });
  }

  private heredocStep(ctx: Extract<Context, { kind: 'heredoc' }>, text: string, i: number): number {
    const ch = text[i]!;
    if (ch === '\n') {
      const line = ctx.doc.dash ? ctx.line.replace(/^\t+/, '') : ctx.line;
      if (!ctx.lineHasPlaceholder && line === ctx.doc.delimiter) {
        this.pop();
        this.startHeredoc();
      } else {
        ctx.line = '';
        ctx.lineHasPlaceholder = false;
      }
      return 1;
    }
    if (ctx.doc.quoted) {
      ctx.line += ch;
      return 1;
    }
    // An unquoted heredoc body expands like double quotes, but quotes in it are plain characters.
    if (ch === '\\') {
      ctx.line += text.slice(i, i + 2);
      return this.escape(text, i);
    }
    if (ch === '`') {
      ctx.lineHasPlaceholder = true;
      this.push({ kind: 'backtick' });
      return 1;
    }
    if (ch === '$') {
      const consumed = this.dollar(text, i, { ansi: false });
      // Whatever opened here cannot end the body; the line no longer equals the delimiter.
      ctx.line += text.slice(i, i + consumed);
      return consumed;
    }
    ctx.line += ch;
    return 1;
  }

  private doubleStep(text: string, i: number): number {
    switch (text[i]) {
      case '\\':
        return this.escape(text, i);
      case '"':
        this.pop();
        return 1;
      case '`':
        this.push({ kind: 'backtick' });
        return 1;
      case '$':
        return this.dollar(text, i, { ansi: false });
      default:
        return 1;
    }
  }

  /**
   * What `${ }` and arithmetic read alike: an escape, a quote or backtick opening its own context
   * (in `${ }` bash matches quotes even within double quotes), a `$` expansion. Null for any other
   * character. `ansi`: whether `$'…'` is ANSI-C quoting here (in `${ }`, not in arithmetic).
   */
  private expansionBodyStep(text: string, i: number, { ansi }: { ansi: boolean }): number | null {
    switch (text[i]) {
      case '\\':
        return this.escape(text, i);
      case "'":
        this.push({ kind: 'single' });
        return 1;
      case '"':
        this.push({ kind: 'double' });
        return 1;
      case '`':
        this.push({ kind: 'backtick' });
        return 1;
      case '$':
        return this.dollar(text, i, { ansi });
      default:
        return null;
    }
  }

  private paramStep(ctx: Extract<Context, { kind: 'param' }>, text: string, i: number): number {
    const consumed = this.expansionBodyStep(text, i, { ansi: true });
    if (consumed !== null) return consumed;
    switch (text[i]) {
      case '{':
        ctx.braces++;
        return 1;
      case '}':
        if (ctx.braces === 0) this.pop();
        else ctx.braces--;
        return 1;
      default:
        return 1;
    }
  }

  private arithStep(ctx: Extract<Context, { kind: 'arith' }>, text: string, i: number): number {
    const consumed = this.expansionBodyStep(text, i, { ansi: false });
    if (consumed !== null) return consumed;
    switch (text[i]) {
      case '(':
      case '[':
        ctx.depth++;
        return 1;
      case ')':
        if (ctx.closer === '))' && ctx.depth === 0 && text[i + 1] === ')') {
          this.pop();
          return 2;
        }
        if (ctx.depth > 0) ctx.depth--;
        return 1;
      case ']':
        if (ctx.closer === ']' && ctx.depth === 0) this.pop();
        else if (ctx.depth > 0) ctx.depth--;
        return 1;
      default:
        return 1;
    }
  }
}

function expansionRefusal(kind: 'param' | 'arith' | 'backtick', start: number): Refusal {
  switch (kind) {
    case 'param':
      return new Refusal('inside "${ }": use a plain {{ }} next to it instead', start);
    case 'arith':
      return new Refusal(
        'inside shell arithmetic ($(( )), (( )) or $[ ]): bash evaluates the value as an expression, which can run code; compute it with an expression inside {{ }} instead',
        start,
      );
    case 'backtick':
      return new Refusal('inside backticks, whose body bash parses twice; use $( ) instead', start);
    default: {
      const unexpected: never = kind;
      throw new Error(`unknown shell context ${String(unexpected)}`);
    }
  }
}

/** A command separator: the next word is in command position again. */
function endCommand(ctx: CommandContext): void {
  ctx.words = [];
  ctx.redirect = false;
}

/** The command a simple command's words run, and its arguments so far; null while the name itself is being written. */
function simpleCommand(words: readonly string[]): { name: string; args: readonly string[] } | null {
  let i = 0;
  while (i < words.length) {
    const word = words[i]!;
    if (COMMAND_RUNNERS.has(word)) {
      i++;
      while (i < words.length && words[i]!.startsWith('-')) i++;
    } else if (COMMAND_PREFIX_WORDS.has(word) || ASSIGNMENT_WORD.test(word)) i++;
    else break;
  }
  return i < words.length ? { name: words[i]!, args: words.slice(i + 1) } : null;
}

/**
 * Builtins that take a variable name and evaluate its array subscript (bash 5.2), so a value placed
 * there runs as code: `test -v NAME` / `[ -v NAME ]`, `printf -v NAME`, `read NAME…`, `unset NAME…`;
 * and `trap`, whose action is a command. `partial` is the placeholder's word so far.
 */
function nameArgumentRefusal(words: readonly string[], partial: string): string | null {
  const command = simpleCommand(words);
  if (command === null) return null;
  const { name, args } = command;
  switch (name) {
    case '[':
    case 'test':
      return args[args.length - 1] === '-v' ? `the operand of "${name} -v": ${NAME_EVALUATES}` : null;
    case 'printf':
      return (args.length === 1 && args[0] === '-v') || (args.length === 0 && partial.startsWith('-v'))
        ? `the variable name of "printf -v": ${NAME_EVALUATES}`
        : null;
    case 'read':
    case 'unset':
      return `an argument of "${name}", which takes variable names: ${NAME_EVALUATES}`;
    case 'trap':
      return 'an argument of "trap", whose action bash runs as a command; set a variable to the value and use "$VAR" in the action';
    case 'eval':
    case 'source':
    case '.':
      return `an argument of "${name}", which bash runs as code: a value must stay data (pass it in "$VAR" to a command that reads it as data)`;
    case 'let':
      return `an argument of "let", an arithmetic expression: ${NAME_EVALUATES}`;
    case 'declare':
    case 'typeset':
      // `declare NAME=value` keeps the value data; the name (and a nameref's target) is evaluated.
      return !/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(partial) || args.some((arg) => /^-[a-zA-Z]*n/.test(arg))
        ? `a variable name of "${name}": ${NAME_EVALUATES}`
        : null;
    default:
      if (SHELLS.has(name) && runsCommandString(args)) {
        const shell = name.endsWith('env') ? (args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? name) : name;
        return `the command string of "${shell} -c", which runs as code: pass the value as an argument after it ("${shell} -c 'cmd "$1"' _ {{ value }}") instead`;
      }
      return null;
  }
}

const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'mksh', 'busybox', 'env', '/bin/bash', '/bin/sh', '/usr/bin/bash', '/usr/bin/env']);

/** Whether the next argument of a shell whose `args` came so far is its `-c` command string (`bash -c`, `sh -ec`, `env bash -c`). */
function runsCommandString(args: readonly string[]): boolean {
  const rest = args[0] === 'sh' || args[0] === 'bash' ? args.slice(1) : args;
  const c = rest.findIndex((arg) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(arg));
  // The first word after -c (and its other options) is the command string; later ones are $0, $1…
  return c !== -1 && rest.slice(c + 1).every((arg) => arg.startsWith('-'));
}

function reference(name: string, placement: ShellPlacement): string {
  switch (placement) {
    case 'unquoted':
    case 'comment':
      return `"$${name}"`;
    case 'double':
    case 'heredoc':
      return `\${${name}}`;
    case 'single':
      return `'"$${name}"'`;
    case 'ansi':
      return `'"$${name}"$'`;
    default: {
      const unexpected: never = placement;
      throw new Error(`unknown placement ${String(unexpected)}`);
    }
  }
}

/**
 * Compiles a bash `command` template (see the module comment). Throws `ExpressionError` only if the
 * template itself does not parse; a placement the shell cannot take safely is an `ok: false`
 * result naming the `{{` offset.
 */
export function compileShellTemplate(template: string | ParsedTemplate): ShellCompileResult {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  const scanner = new Scanner();
  const args: ShellArg[] = [];
  let script = '';
  const starts = partStarts(parsed);
  try {
    parsed.parts.forEach((part, index) => {
      if (part.kind === 'text') {
        scanner.text(part.text, starts[index]!);
        script += part.text;
        return;
      }
      const placement = scanner.placeholder(part.start);
      const name = `${SHELL_ARG_PREFIX}${args.length + 1}`;
      args.push({ name, expression: part.expression, start: part.start, placement });
      script += reference(name, placement);
    });
    scanner.end();
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, message: `{{ }} at character ${error.index} is ${error.message}`, index: error.index };
    throw error;
  }
  return { ok: true, command: { script, args } };
}

/** Where each part starts in the source: an expression knows; a text part ends where the next part starts. */
function partStarts(parsed: ParsedTemplate): number[] {
  const starts: number[] = [];
  let end = parsed.source.length;
  for (let i = parsed.parts.length - 1; i >= 0; i--) {
    const part = parsed.parts[i]!;
    starts[i] = part.kind === 'expression' ? part.start : end - part.text.length;
    end = starts[i]!;
  }
  return starts;
}
