/**
 * A regular expression engine for Ajv's `code.regExp` option whose matching time is linear in the
 * input whatever the pattern: JSON Schemas from workflows, MCP servers or models carry `pattern`
 * and `patternProperties`, and with native RegExp a pattern like `^(\w+\s?)*$` and a value of a
 * few dozen characters block the event loop for seconds, doubling with every character.
 *
 * Built on re2js (RE2 in pure JS), which the caller passes in so this package stays free of it.
 * JSON Schema patterns are ECMA-262 regular expressions; they are translated to RE2 syntax first
 * (`\uXXXX`, `\u{...}`, `\cX`). What RE2 cannot run (backreferences, lookaround) throws an
 * `UnsupportedPatternError` when the schema is compiled, never when a value is checked; so does
 * what the translation would change the meaning of (`\k<name>`, `\8`).
 */

/** What this needs of re2js's `RE2JS` class. */
export interface Re2Engine {
  translateRegExp(expr: string): string;
  compile(regex: string, flags?: number): { test(input: string): boolean };
}

export interface LinearRegExp {
  test(input: string): boolean;
  /** Ajv keys compiled patterns by `toString()`, per Ajv instance: it must differ between patterns. */
  toString(): string;
}

/** The shape of Ajv's `RegExpEngine`, without depending on Ajv. */
export type LinearRegExpEngine = ((pattern: string, flags: string) => LinearRegExp) & { code: string };

/** ECMAScript constructs RE2 has no equivalent of: they need backtracking. */
export type UnsupportedConstruct = 'lookahead' | 'lookbehind' | 'backreference';

export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
  readonly code = 'unsupported_pattern';
  /** What in the pattern RE2 cannot run, when it is one of the known constructs; null for another compile error. */
  readonly construct: UnsupportedConstruct | null;
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    const found = unsupportedConstructOf(pattern);
    const why = found ? `it uses a ${found.construct} \`${found.text}\`, which RE2 cannot run` : reason;
    super(`pattern ${JSON.stringify(pattern)} is not supported: ${why} (patterns are run with RE2: no backreferences or lookaround)`);
    this.construct = found?.construct ?? null;
  }
}

/**
 * The first lookaround or backreference of an ECMAScript pattern, outside character classes and
 * escapes: `(?=`, `(?!`, `(?<=`, `(?<!`, `\1`…`\9` (with the `u` flag JSON Schema patterns have,
 * a digit escape is a backreference or an error), `\k<name>`.
 */
function unsupportedConstructOf(pattern: string): { construct: UnsupportedConstruct; text: string } | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return { construct: 'backreference', text: `\\${/^\d+/.exec(pattern.slice(i + 1))?.[0] ?? next}` };
      if (!inClass && next === 'k' && pattern[i + 2] === '<')
        return { construct: 'backreference', text: `\\k<${/^[^>]*/.exec(pattern.slice(i + 3))?.[0] ?? ''}>` };
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const head = pattern.slice(i, i + 4);
      if (head.startsWith('(?=') || head.startsWith('(?!')) return { construct: 'lookahead', text: head.slice(0, 3) };
      if (head === '(?<=' || head === '(?<!') return { construct: 'lookbehind', text: head };
    }
  }
  return null;
}

/** `new Ajv({ code: { regExp: linearRegExpEngine(RE2JS) } })`. Ajv passes no flag but `u`, which RE2 always has. */
export function linearRegExpEngine(re2: Re2Engine): LinearRegExpEngine {
  const engine = (pattern: string, flags: string): LinearRegExp => {
    // Refused before RE2 sees them: re2js's translation turns some into something else that
    // compiles (`\k<name>` into the text `k<name>`, `\8` into `8`), which would match other strings.
    if (unsupportedConstructOf(pattern)) throw new UnsupportedPatternError(pattern, 'RE2 cannot run it');
    let compiled: { test(input: string): boolean };
    try {
      compiled = re2.compile(re2.translateRegExp(pattern));
    } catch (error) {
      throw new UnsupportedPatternError(pattern, (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, ''));
    }
    const text = `/${pattern}/${flags}`;
    return { test: (input) => compiled.test(input), toString: () => text };
  };
  // Only read by Ajv's standalone code generation, which Weft does not use.
  return Object.assign(engine, { code: 'linearRegExp' });
}

/** The unsupported pattern behind an Ajv compile failure, if that is what it was. */
export function unsupportedPatternOf(error: unknown): UnsupportedPatternError | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof UnsupportedPatternError) return cause;
  }
  return null;
}
