import type { ParsedExpression } from '../expressions/parse';
import { parseTemplate, type ParsedTemplate } from '../expressions/templates';
import { atCommandName, hereStringRefusal, NAME_EVALUATES, placeholderRefusal, type ShellWord } from './shell-commands';

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
 * backticks (their body is parsed twice), quoted heredocs (no expansion) and heredoc delimiters,
 * and a placeholder right after an escaping backslash or a `$`. Quotes around a placeholder change
 * none of this: `$(( "$X" ))` still evaluates `$X`.
 *
 * What the command does with its words is read too (the rules are in `shell-commands.ts`): a value
 * as the command's own name, as a variable name (the operand of `-v`, `printf -v`, `wait -p`,
 * `read`, `unset`, `mapfile`, `getopts`, a name given to `declare`, `local`, `export` …: bash
 * evaluates its subscript or the value picks the variable), where `printf`/`wait` still read
 * options (`-vx[$(cmd)]`), in `declare -i` or a plain value of `declare -a`, right after another
 * value in `[ ]`/`test` (the first can be `-v`), as code (`trap`, `eval`, `source`, `let`,
 * `compgen`, a shell's `-c` string or script), and anywhere the same applies to the command a
 * program runs (`sudo`, `env`, `nice`, `timeout`, `xargs`, `find -exec` … and their options that
 * run a string: `env -S`, `flock -c`, `sudo -s`), or where the program could read the value as its
 * own option or its command (`sudo {{ v }} ls`); every placeholder in `ssh`, `parallel`, after
 * `watch`'s options and in `su`. Command names and options are read after quote removal
 * (`"eval"`, `\eval`, `e"va"l`), so the scanner keeps each word's literal value beside its raw
 * text; reserved words (`[[`, `case`, `esac`) are read from the raw text, so `"[["` is no `[[`.
 *
 * What a command does with a value is still the author's where this cannot see it: a command
 * named by the author's variable (`$CMD {{ v }}`) or a glob, programs not in `shell-commands.ts`
 * that run their arguments (`python -c`, `make`), an assignment to a variable declared `-i`
 * earlier (or `declare X=` to an array) or to one the loader reads (`PATH=`, `LD_PRELOAD=`), and a
 * value starting with `-` read as an option.
 *
 * The scanner is one state machine on purpose: its quoting states and the rules for writing a
 * reference in each belong together, so a reader can check that every state has a rule. The
 * command-word rules take the words it hands them and live apart (`shell-commands.ts`).
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
  /** The current word as written, each quoted or escaped part a `QUOTED` marker. */
  word: string;
  /** The current word after quote removal; null once it holds an expansion or a value. */
  literal: string | null;
  wordHasPlaceholder: boolean;
  /** An unquoted `[` in the current word that no `]` closed yet. */
  inSubscript: boolean;
  /** Inside `NAME=( … )`: its elements belong to the one assignment word. */
  compound: boolean;
  /** The words of the current simple command so far (without redirections), for the command-word rules (shell-commands.ts). */
  words: ShellWord[];
  /** The next word is a redirection's target (a file, a here-string), not an argument. */
  redirect: boolean;
  /** The redirection is a here-string (`<<<`): its word is the command's standard input. */
  hereString: boolean;
  conds: Cond[];
  caseState: 'none' | 'awaiting-in';
  openCases: number;
  /** After `case … in` or `;;`: the words up to `)` are a pattern, not a command. */
  casePattern: boolean;
  delimiter: DelimiterReader | null;
};
/** The command context whose current word a quote belongs to (null inside `${ }`, arithmetic or a heredoc, whose words have no literal value). */
type Owner = CommandContext | null;
type Context =
  | CommandContext
  | { kind: 'double'; owner: Owner }
  | { kind: 'single'; owner: Owner }
  | { kind: 'ansi'; owner: Owner; body: string }
  | { kind: 'param'; braces: number }
  | { kind: 'arith'; closer: '))' | ']'; depth: number }
  | { kind: 'backtick' }
  | { kind: 'comment' }
  | { kind: 'heredoc'; doc: Heredoc; line: string; lineHasPlaceholder: boolean };

const ARITHMETIC_TESTS = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);
/** A descriptor before a redirection: `2>`, `{fd}<`. */
const REDIRECT_FD_WORD = /^([0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/;
/** `NAME=` or `NAME+=` right before `(`: a compound (array) assignment. */
const COMPOUND_START = /^[A-Za-z_][A-Za-z0-9_]*\+?=$/;
/** Unquoted characters that make a word a pattern or a brace expansion: its literal value is unknown. */
const PATTERN_WORD = /[*?]|\[.*\]|\{[^}]*(,|\.\.)[^}]*\}/;
/** What follows a `$` that makes it an expansion (`$x`, `$1`, `$@`, `$(`, `${`, `$[`). */
const EXPANSION_START = /[A-Za-z0-9_@*#?$!({[-]/;
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
  literal: '',
  wordHasPlaceholder: false,
  inSubscript: false,
  compound: false,
  words: [],
  redirect: false,
  hereString: false,
  conds: [],
  caseState: 'none',
  openCases: 0,
  casePattern: false,
  delimiter: null,
});

/** Literal text of the word `owner` is writing (nothing once the word holds an expansion or a value). */
function addLiteral(owner: Owner, text: string): void {
  if (owner !== null && owner.literal !== null) owner.literal += text;
}

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
    // A here-string is the command's standard input: data, unless the command runs it (`bash <<< …`).
    if (ctx.redirect && ctx.hereString) {
      const refusal = hereStringRefusal(ctx.words);
      if (refusal !== null) throw at(refusal);
    }
    // A redirection's target and a case pattern are data; any other word is read by its command.
    if (!ctx.redirect && !ctx.casePattern) {
      const refusal = placeholderRefusal([...ctx.words, { raw: ctx.word, literal: ctx.literal, placeholder: true }]);
      if (refusal !== null) throw at(refusal);
    }
    ctx.literal = null;
    ctx.wordHasPlaceholder = true;
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
        return this.doubleStep(top.owner, text, i);
      case 'single':
        if (text[i] === "'") this.pop();
        else addLiteral(top.owner, text[i]!);
        return 1;
      case 'ansi':
        if (text[i] === '\\') {
          top.body += text.slice(i, i + 2);
          return this.escape(text, i);
        }
        if (text[i] === "'") {
          addLiteral(top.owner, ansiText(top.body));
          this.pop();
        } else top.body += text[i];
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

  /**
   * `$` forms that open a context; returns the characters consumed. `ansi`: whether `$'…'` and
   * `$"…"` are quotes here; `owner`: the word they (and a plain `$`) are literal text of.
   */
  private dollar(text: string, i: number, { ansi, owner }: { ansi: boolean; owner: Owner }): number {
    const next = text[i + 1];
    if (next === undefined) {
      this.danglingDollar = true;
      return 1;
    }
    if (ansi && next === "'") {
      this.push({ kind: 'ansi', owner, body: '' });
      return 2;
    }
    if (ansi && next === '"') {
      this.push({ kind: 'double', owner });
      return 2;
    }
    if (!EXPANSION_START.test(next)) {
      addLiteral(owner, '$');
      return 1;
    }
    if (owner !== null) owner.literal = null;
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
    // `$$` is the shell's pid: both characters, so the second is not left dangling.
    return next === '$' ? 2 : 1;
  }

  private commandStep(ctx: CommandContext, text: string, i: number): number {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ctx.delimiter !== null) return this.delimiterStep(ctx, text, i);
    if (ch === '\\') {
      // A line continuation joins the lines: nothing of it is in a word.
      if (next === '\n') return 2;
      ctx.word += QUOTED;
      ctx.atWordStart = false;
      if (next !== undefined) addLiteral(ctx, next);
      return this.escape(text, i);
    }
    if (ctx.compound) {
      // `NAME=(a b …)`: blanks separate elements of the one assignment word; quotes and `$` open contexts as anywhere.
      if (ch === ' ' || ch === '\t' || ch === '\n') {
        ctx.word += ' ';
        ctx.inSubscript = false;
        return 1;
      }
      if (ch === ')') ctx.compound = false;
      if (!'\'"`$'.includes(ch)) return this.wordCharacter(ctx, ch);
    } else if (ch === '(' && COMPOUND_START.test(ctx.word)) {
      ctx.compound = true;
      ctx.literal = null;
      return this.wordCharacter(ctx, ch);
    }
    // `2>file`, `{fd}<file`: the descriptor belongs to the redirection, not to the command's words.
    if ((ch === '<' || ch === '>') && REDIRECT_FD_WORD.test(ctx.word)) this.clearWord(ctx);
    if (WORD_END.has(ch)) this.endWord(ctx);
    if (ctx.conds.length > 0 && '&|()<>'.includes(ch)) {
      // Inside `[[ ]]` these are operators of the expression, not separators or redirections.
      ctx.atWordStart = true;
      return (ch === '&' || ch === '|') && next === ch ? 2 : 1;
    }
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
          ctx.hereString = false;
          return text[i + 2] === '>' ? 3 : 2;
        }
        endCommand(ctx);
        return 1;
      case ';': {
        ctx.atWordStart = true;
        endCommand(ctx);
        // `;;`, `;&` and `;;&` end a case clause: a pattern follows.
        const clause = next === ';' || next === '&';
        if (!clause) return 1;
        if (ctx.openCases > 0) ctx.casePattern = true;
        return next === ';' && text[i + 2] === '&' ? 3 : 2;
      }
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
        // The optional `(` before a case pattern.
        if (ctx.casePattern) {
          ctx.atWordStart = true;
          return 1;
        }
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
        // The `)` ending a case pattern: the clause's commands follow.
        if (ctx.casePattern) ctx.casePattern = false;
        else if (ctx.parens > 0) ctx.parens--;
        // Inside an open case a `)` closes nothing.
        else if (ctx.closer === ')' && ctx.openCases === 0) this.pop();
        return 1;
      case '<':
      case '>':
        ctx.atWordStart = true;
        if (next === '(') {
          // A process substitution is a word of its own, or the target of a redirection before it.
          if (ctx.redirect) ctx.redirect = false;
          else ctx.words.push({ raw: QUOTED, literal: null, placeholder: false });
          this.push(commandContext(')'));
          return 2;
        }
        ctx.redirect = true;
        ctx.hereString = false;
        // `>&2`, `<&0`, `>|file`: one operator, the `&` or `|` ends nothing.
        if (next === '&' || (ch === '>' && next === '|')) return 2;
        if (ch === '<' && next === '<') {
          if (text[i + 2] === '<') {
            ctx.hereString = true;
            return 3;
          }
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
        this.quoted(ctx, { kind: 'single', owner: ctx });
        return 1;
      case '"':
        this.quoted(ctx, { kind: 'double', owner: ctx });
        return 1;
      case '`':
        this.quoted(ctx, { kind: 'backtick' });
        return 1;
      case '$': {
        ctx.word += QUOTED;
        ctx.atWordStart = false;
        return this.dollar(text, i, { ansi: true, owner: ctx });
      }
      default:
        break;
    }
    return this.wordCharacter(ctx, ch);
  }

  /** An unquoted character of the current word. */
  private wordCharacter(ctx: CommandContext, ch: string): number {
    if (ch === '[') ctx.inSubscript = true;
    else if (ch === ']') ctx.inSubscript = false;
    ctx.word += ch;
    addLiteral(ctx, ch);
    ctx.atWordStart = false;
    return 1;
  }

  private quoted(ctx: CommandContext, context: Extract<Context, { kind: 'single' | 'double' | 'backtick' }>): void {
    ctx.word += QUOTED;
    ctx.atWordStart = false;
    if (context.kind === 'backtick') ctx.literal = null;
    this.push(context);
  }

  private clearWord(ctx: CommandContext): void {
    ctx.word = '';
    ctx.literal = '';
    ctx.wordHasPlaceholder = false;
    ctx.inSubscript = false;
  }

  /** A word just ended: `[[ … ]]`, `case … in … esac` are tracked by their words. */
  private endWord(ctx: CommandContext): void {
    const word = ctx.word;
    const shellWord: ShellWord = {
      raw: word,
      // A glob or a brace expansion (`ev?l`, `e{v,}al`) is no literal value: bash makes other words of it.
      literal: ctx.literal !== null && PATTERN_WORD.test(word) ? null : ctx.literal,
      placeholder: ctx.wordHasPlaceholder,
    };
    const before = ctx.words;
    this.clearWord(ctx);
    if (word === '') return;
    if (ctx.redirect) ctx.redirect = false;
    // `function f {`, `coproc NAME {`: the group's first word is a command's name again.
    else if (word === '{' && before.length === 2 && (before[0]!.raw === 'function' || before[0]!.raw === 'coproc')) ctx.words = [shellWord];
    else ctx.words = [...before, shellWord];
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
    // Reserved words count only where bash reads them: `case` as a command's name, `esac` after a clause.
    if (word === 'case' && atCommandName(before)) ctx.caseState = 'awaiting-in';
    else if (word === 'in' && ctx.caseState === 'awaiting-in') {
      ctx.caseState = 'none';
      ctx.openCases++;
      ctx.casePattern = true;
    } else if (word === 'esac' && ctx.openCases > 0 && (ctx.casePattern || atCommandName(before))) {
      ctx.openCases--;
      ctx.casePattern = false;
    }
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
      const consumed = this.dollar(text, i, { ansi: false, owner: null });
      // Whatever opened here cannot end the body; the line no longer equals the delimiter.
      ctx.line += text.slice(i, i + consumed);
      return consumed;
    }
    ctx.line += ch;
    return 1;
  }

  private doubleStep(owner: Owner, text: string, i: number): number {
    const next = text[i + 1];
    switch (text[i]) {
      case '\\':
        // In double quotes a backslash escapes only $ ` " \ and a newline; before anything else it is itself.
        if (next !== undefined) addLiteral(owner, next === '\n' ? '' : '$`"\\'.includes(next) ? next : `\\${next}`);
        return this.escape(text, i);
      case '"':
        this.pop();
        return 1;
      case '`':
        if (owner !== null) owner.literal = null;
        this.push({ kind: 'backtick' });
        return 1;
      case '$':
        return this.dollar(text, i, { ansi: false, owner });
      default:
        addLiteral(owner, text[i]!);
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
        this.push({ kind: 'single', owner: null });
        return 1;
      case '"':
        this.push({ kind: 'double', owner: null });
        return 1;
      case '`':
        this.push({ kind: 'backtick' });
        return 1;
      case '$':
        return this.dollar(text, i, { ansi, owner: null });
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

const ANSI_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** The text of a `$'…'` body after bash's escapes (`\n`, `\101`, `\x41`, `\u00e9`, `\cA`); any other escape stays as written. */
function ansiText(body: string): string {
  return body.replace(
    /\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|c([\s\S])|([\s\S]))/g,
    (whole, octal?: string, hex?: string, short?: string, long?: string, control?: string, other?: string) => {
      if (octal !== undefined) return String.fromCharCode(Number.parseInt(octal, 8) & 0xff);
      if (hex !== undefined) return String.fromCharCode(Number.parseInt(hex, 16));
      const code = short ?? long;
      if (code !== undefined) return Number.parseInt(code, 16) <= 0x10ffff ? String.fromCodePoint(Number.parseInt(code, 16)) : whole;
      if (control !== undefined) return String.fromCharCode(control.charCodeAt(0) & 0x1f);
      return ANSI_ESCAPES[other!] ?? whole;
    },
  );
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
