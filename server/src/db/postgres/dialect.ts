/**
 * The server's SQL is written for SQLite (better-sqlite3). Its parameters are translated once per
 * prepared statement for PostgreSQL: `?` becomes `$1…$n` in order; `@name`, `:name` and `$name`
 * (bound from an object argument) become `$n` by name, a repeated name reusing its number. Text in
 * '…' and E'…' strings, $tag$…$tag$ strings, "…" identifiers and comments (`--`, nested `/* *\/`)
 * is never rewritten. Statements
 * only SQLite understands are refused with an error naming them, instead of a parse error later.
 */

export type Translated = {
  /** The statement in PostgreSQL's syntax. */
  text: string;
  /** How many `?` parameters (0 when named). */
  positional: number;
  /** Named parameters in `$n` order (empty when positional). */
  names: string[];
};

/** A statement this store cannot run (a SQLite-only construct or a malformed parameter list). */
export class UnsupportedSqlError extends Error {
  readonly code = 'unsupported_sql';
  constructor(
    message: string,
    readonly sql: string,
  ) {
    super(`${message}: ${abbreviate(sql)}`);
    this.name = 'UnsupportedSqlError';
  }
}

export const abbreviate = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
};

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** SQLite-only leading keywords, refused outright. */
const SQLITE_ONLY = /^(PRAGMA|ATTACH|DETACH|REINDEX|VACUUM\s+INTO)\b/i;
/** SQLite's `BEGIN IMMEDIATE|DEFERRED|EXCLUSIVE`: PostgreSQL locks rows, so each is a plain BEGIN. */
const BEGIN_MODE = /^BEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE)(\s+TRANSACTION)?\s*;?\s*$/i;
const INSERT_OR = /^(INSERT|REPLACE)\s+(OR\s+(IGNORE|REPLACE|ABORT|FAIL|ROLLBACK)\b|INTO\b)/i;

/** `$$` or `$tag$` opening a dollar-quoted string (PostgreSQL), when one starts at `i`. */
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** Index just past the quoted text or comment starting at `i`, or -1 when none starts there. */
function skipQuotedOrComment(sql: string, i: number): number {
  const c = sql[i];
  const prev = sql[i - 1] ?? '';
  if (c === '$' && !IDENT_PART.test(prev) && prev !== '$') {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(sql);
    if (tag) {
      // Nothing inside is parameters or quotes, up to the same tag (unclosed: to the end).
      const end = sql.indexOf(tag[0], i + tag[0].length);
      return end === -1 ? sql.length : end + tag[0].length;
    }
  }
  if ((c === 'E' || c === 'e') && sql[i + 1] === "'" && !IDENT_PART.test(prev)) {
    // An escape string: a backslash escapes the next character, a quote included.
    let j = i + 2;
    while (j < sql.length) {
      if (sql[j] === '\\') j += 2;
      else if (sql[j] === "'") {
        if (sql[j + 1] === "'") j += 2;
        else return j + 1;
      } else j++;
    }
    return sql.length;
  }
  if (c === "'" || c === '"') {
    let j = i + 1;
    for (;;) {
      if (j >= sql.length) return sql.length;
      if (sql[j] === c) {
        if (sql[j + 1] === c) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
  }
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i + 2);
    return end === -1 ? sql.length : end + 1;
  }
  if (c === '/' && sql[i + 1] === '*') {
    // PostgreSQL nests block comments.
    let depth = 1;
    let j = i + 2;
    while (j < sql.length && depth > 0) {
      if (sql[j] === '/' && sql[j + 1] === '*') {
        depth++;
        j += 2;
      } else if (sql[j] === '*' && sql[j + 1] === '/') {
        depth--;
        j += 2;
      } else j++;
    }
    return j;
  }
  return -1;
}

/** The statement's first keywords, past leading blanks and comments. */
function leadingText(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql[i] === '-' || sql[i] === '/') {
      const end = skipQuotedOrComment(sql, i);
      if (end !== -1) {
        i = end;
        continue;
      }
    }
    return sql.slice(i);
  }
}

/** Translates one statement (or a `;`-separated script with no parameters, for `exec`). */
export function translate(sql: string): Translated {
  const lead = leadingText(sql);
  const refused = SQLITE_ONLY.exec(lead);
  if (refused) throw new UnsupportedSqlError(`${refused[1]!.toUpperCase()} is SQLite-only and has no PostgreSQL equivalent here`, sql);
  if (INSERT_OR.test(lead) && !/^INSERT\s+INTO\b/i.test(lead)) {
    throw new UnsupportedSqlError('INSERT OR … / REPLACE INTO are SQLite-only; write INSERT … ON CONFLICT', sql);
  }
  if (BEGIN_MODE.test(lead)) return { text: 'BEGIN', positional: 0, names: [] };

  let out = '';
  let positional = 0;
  const names: string[] = [];
  const numbers = new Map<string, number>();
  let i = 0;
  let copied = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const skipped = skipQuotedOrComment(sql, i);
    if (skipped !== -1) {
      i = skipped;
      continue;
    }
    if (c === '?') {
      if (/[0-9]/.test(sql[i + 1] ?? '')) throw new UnsupportedSqlError('numbered parameters (?NNN) are not supported; use ? or @name', sql);
      if (names.length > 0) throw new UnsupportedSqlError('positional (?) and named parameters are mixed', sql);
      positional++;
      out += `${sql.slice(copied, i)}$${positional}`;
      i++;
      copied = i;
      continue;
    }
    if ((c === '@' || c === ':' || c === '$') && IDENT_START.test(sql[i + 1] ?? '')) {
      // `x::type` is PostgreSQL's cast, not a parameter; `a.b$c` a name with a dollar in it.
      const prev = sql[i - 1] ?? '';
      if (!(c === ':' && prev === ':') && !IDENT_PART.test(prev) && prev !== '$') {
        let j = i + 1;
        while (j < sql.length && IDENT_PART.test(sql[j]!)) j++;
        const name = sql.slice(i + 1, j);
        if (positional > 0) throw new UnsupportedSqlError('positional (?) and named parameters are mixed', sql);
        let n = numbers.get(name);
        if (n === undefined) {
          names.push(name);
          n = names.length;
          numbers.set(name, n);
        }
        out += `${sql.slice(copied, i)}$${n}`;
        i = j;
        copied = i;
        continue;
      }
    }
    i++;
  }
  out += sql.slice(copied);
  return { text: out, positional, names };
}

const isNamedArgument = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Date);

/**
 * Orders better-sqlite3-style arguments (`run(a, b)`, `run([a, b])`, `run({ name })`) as the
 * translated statement's `$1…$n`, with better-sqlite3's errors for a wrong count or a missing name.
 */
export function bindArguments(statement: Translated, args: readonly unknown[]): unknown[] {
  const flat: unknown[] = [];
  let named: Record<string, unknown> | null = null;
  for (const a of args) {
    if (Array.isArray(a)) flat.push(...a);
    else if (isNamedArgument(a)) {
      if (named) throw new TypeError('You cannot specify named parameters in two different objects');
      named = a;
    } else flat.push(a);
  }
  if (statement.names.length > 0) {
    if (flat.length > 0) throw new RangeError('Too many parameter values were provided');
    if (!named) throw new TypeError('This statement has named parameters: pass them in an object');
    const values = named;
    return statement.names.map((name) => {
      if (!(name in values)) throw new RangeError(`Missing named parameter "${name}"`);
      return toParameter(values[name]);
    });
  }
  if (named) throw new TypeError('This statement has no named parameters, but an object was passed');
  if (flat.length < statement.positional) throw new RangeError('Too few parameter values were provided');
  if (flat.length > statement.positional) throw new RangeError('Too many parameter values were provided');
  return flat.map(toParameter);
}

/** A value as PostgreSQL receives it: bigints as decimal text, `undefined` as NULL (as better-sqlite3 binds it). */
function toParameter(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  return v;
}
