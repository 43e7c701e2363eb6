/**
 * A regular expression engine for Ajv's `code.regExp` option whose matching time is linear in the
 * input whatever the pattern: JSON Schemas from workflows, MCP servers or models carry `pattern`
 * and `patternProperties`, and with native RegExp a pattern like `^(\w+\s?)*$` and a value of a
 * few dozen characters block the event loop for seconds, doubling with every character.
 *
 * Built on re2js (RE2 in pure JS), which the caller passes in so this package stays free of it.
 * JSON Schema patterns are ECMA-262 regular expressions; they are translated to RE2 syntax first
 * (`\uXXXX`, `\u{...}`, `\cX`). What RE2 cannot run (backreferences, lookaround) throws an
 * `UnsupportedPatternError` when the schema is compiled, never when a value is checked.
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

export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
  readonly code = 'unsupported_pattern';
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern)} is not supported: ${reason} (patterns are run with RE2: no backreferences or lookaround)`);
  }
}

/** `new Ajv({ code: { regExp: linearRegExpEngine(RE2JS) } })`. Ajv passes no flag but `u`, which RE2 always has. */
export function linearRegExpEngine(re2: Re2Engine): LinearRegExpEngine {
  const engine = (pattern: string, flags: string): LinearRegExp => {
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
