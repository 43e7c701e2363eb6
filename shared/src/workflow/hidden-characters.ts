import { formatPath } from './path';
import type { DefinitionIssue } from './references';
import { childBranchFields } from './walk';

// Characters that hide or reorder text ("Trojan Source", CVE-2021-42574): a definition is drafted by
// a language model, shown to a person, then saved and run. With a bidi override, an isolate or an
// invisible character in it, what the person reads is not what runs. The validator refuses them
// in every string and every key of a definition before it looks at anything else.

/** The `code` of an issue about a refused character, so a program can tell them apart. */
export const HIDDEN_CHARACTER_CODE = 'hidden_character';

/**
 * Every character refused in a definition, in at least some of its fields: C0 controls but tab and
 * line feed, DEL and C1 controls, the soft hyphen, the Arabic letter mark, the Mongolian vowel
 * separator, zero-width characters and the LRM/RLM marks (U+200B–U+200F), the line and paragraph
 * separators, bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the rest of
 * the invisible format block U+2060–U+206F, the byte order mark, the interlinear annotation
 * characters, the shorthand and musical format controls (invisible), and the tag characters
 * (U+E0000–U+E007F, which language models read as hidden ASCII).
 *
 * A fixed list, not `\p{Cf}`: the answer must not change with the JavaScript engine's Unicode
 * version (the client, the server and the runner must agree). The visible format characters
 * (Arabic number signs and the like) are not in it.
 */
const HIDDEN_SOURCE =
  '[\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u206F\\uFEFF\\uFFF9-\\uFFFB' +
  '\\u{1BCA0}-\\u{1BCA3}\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E007F}]';
const HIDDEN = new RegExp(HIDDEN_SOURCE, 'u');
const HIDDEN_ALL = new RegExp(HIDDEN_SOURCE, 'gu');

/**
 * The ones prose may keep: the carriage return (pasted CRLF text), the soft hyphen, the implicit
 * direction marks (LRM U+200E, RLM U+200F, ALM U+061C, which right-to-left prose uses around
 * numbers and Latin words) and the zero-width non-joiner and joiner (U+200C, U+200D: Persian and
 * Indic spelling, emoji sequences). None of them can hide a letter or reverse a run of letters;
 * the overrides and isolates that can are refused everywhere.
 */
const PROSE_ALLOWED: ReadonlySet<number> = new Set([0x0d, 0xad, 0x061c, 0x200c, 0x200d, 0x200e, 0x200f]);

/** Which text a string is: `prose` is read by a person or a model; `code` is everything else. */
export type TextKind = 'code' | 'prose';

/** Where the prose fields of each step type are, relative to the step; every other string is `code`. */
const PROSE_STEP_FIELDS: ReadonlyMap<string, readonly (readonly string[])[]> = new Map([
  ['notify', [['message'], ['title']]],
  ['approval', [['message']]],
  ['agent_prompt', [['prompt'], ['system'], ['persona', 'system']]],
]);

/** The prose fields, for messages and documentation. */
export const PROSE_FIELDS_SUMMARY = 'the workflow and input descriptions, notify titles and messages, approval messages, and agent prompts and system prompts';

export interface HiddenCharacter {
  readonly codePoint: number;
  /** 1-based line and column (in code points) of the character. */
  readonly line: number;
  readonly column: number;
}

/** Whether `codePoint` is refused in text of that kind. */
export function isHiddenCharacter(codePoint: number, kind: TextKind = 'code'): boolean {
  if (!HIDDEN.test(String.fromCodePoint(codePoint))) return false;
  return kind === 'code' || !PROSE_ALLOWED.has(codePoint);
}

/** Every refused character of `text`, in order. Linear in the length of `text`. */
export function findHiddenCharacters(text: string, kind: TextKind = 'code'): HiddenCharacter[] {
  if (!HIDDEN.test(text)) return [];
  const found: HiddenCharacter[] = [];
  let line = 1;
  let column = 0;
  let scanned = 0;
  for (const match of text.matchAll(HIDDEN_ALL)) {
    // Count lines and code points since the last match: each character is counted once.
    for (const char of text.slice(scanned, match.index)) {
      if (char === '\n') {
        line++;
        column = 0;
      } else column++;
    }
    column++;
    scanned = match.index + match[0].length;
    const codePoint = match[0].codePointAt(0) ?? 0;
    if (kind === 'prose' && PROSE_ALLOWED.has(codePoint)) continue;
    found.push({ codePoint, line, column });
  }
  return found;
}

/** `text` with every refused character written as a `\uXXXX` escape (JSON and JavaScript read them back). */
export function escapeHiddenCharacters(text: string): string {
  if (!HIDDEN.test(text)) return text;
  return text.replace(HIDDEN_ALL, (char) => {
    let out = '';
    for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

const NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'NULL'],
  [0x08, 'BACKSPACE'],
  [0x0b, 'LINE TABULATION'],
  [0x0c, 'FORM FEED'],
  [0x0d, 'CARRIAGE RETURN'],
  [0x1b, 'ESCAPE'],
  [0x7f, 'DELETE'],
  [0x85, 'NEXT LINE'],
  [0x9b, 'CONTROL SEQUENCE INTRODUCER'],
  [0xad, 'SOFT HYPHEN'],
  [0x061c, 'ARABIC LETTER MARK'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2060, 'WORD JOINER'],
  [0x2061, 'FUNCTION APPLICATION'],
  [0x2062, 'INVISIBLE TIMES'],
  [0x2063, 'INVISIBLE SEPARATOR'],
  [0x2064, 'INVISIBLE PLUS'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
]);

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

/** `U+2067 (RIGHT-TO-LEFT ISOLATE)`. */
export function describeCodePoint(codePoint: number): string {
  const name =
    NAMES.get(codePoint) ??
    (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)
      ? 'a control character'
      : codePoint >= 0xe0000 && codePoint <= 0xe007f
        ? 'a tag character'
        : 'an invisible formatting character');
  return `${hex(codePoint)} (${name})`;
}

/** The message of an issue about the refused characters `found` (not empty) in a string or a key. */
export function hiddenCharacterMessage(found: readonly HiddenCharacter[], subject: 'value' | 'key' = 'value'): string {
  const first = found[0];
  if (first === undefined) return '';
  const where = first.line > 1 ? `on line ${first.line}, column ${first.column}` : `at character ${first.column}`;
  const others = [...new Set(found.slice(1).map((char) => char.codePoint))];
  const shown = others.slice(0, 5).map(hex).join(', ') + (others.length > 5 ? ', …' : '');
  const more = found.length > 1 ? ` and ${found.length - 1} more hidden or control character${found.length === 2 ? '' : 's'} (${shown})` : '';
  const proseOnly = found.every((char) => PROSE_ALLOWED.has(char.codePoint))
    ? ` (${found.length > 1 ? 'these are' : 'it is'} allowed only in prose: ${PROSE_FIELDS_SUMMARY})`
    : '';
  return (
    `${subject === 'key' ? 'key ' : ''}contains ${describeCodePoint(first.codePoint)} ${where}${more}, which can make the text shown differ from ` +
    `what runs; remove ${found.length > 1 ? 'them' : 'it'}${proseOnly}`
  );
}

/**
 * A path like `formatPath`'s, with refused characters in keys escaped (`env["A\u200b"]`), so the
 * path shown is the path meant; it is still JSON inside the brackets.
 */
export function formatVisiblePath(segments: readonly PropertyKey[]): string {
  return escapeHiddenCharacters(formatPath(segments));
}

type Node = unknown;
const isObject = (value: Node): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (object: Record<string, unknown>, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

/**
 * The prose strings of a definition not yet validated, as (object, key) pairs: the workflow's
 * `description`, each input's `description`, and the step fields of `PROSE_STEP_FIELDS`, at any
 * depth of nested steps. Reads the JSON loosely: whatever is not where a prose field would be is code.
 */
function proseSlots(definition: Node): Map<object, Set<string>> {
  const slots = new Map<object, Set<string>>();
  const add = (object: Record<string, unknown>, key: string) => {
    const keys = slots.get(object);
    if (keys) keys.add(key);
    else slots.set(object, new Set([key]));
  };
  const visitList = (list: Node): void => {
    if (!Array.isArray(list)) return;
    for (const step of list) {
      if (!isObject(step)) continue;
      const type = own(step, 'type');
      for (const field of (typeof type === 'string' ? PROSE_STEP_FIELDS.get(type) : undefined) ?? []) {
        let parent: Node = step;
        for (const key of field.slice(0, -1)) parent = isObject(parent) ? own(parent, key) : undefined;
        const last = field[field.length - 1];
        if (isObject(parent) && last !== undefined) add(parent, last);
      }
      for (const branch of childBranchFields(type)) visitList(own(step, branch));
    }
  };
  if (isObject(definition)) {
    add(definition, 'description');
    const inputs = own(definition, 'inputs');
    if (isObject(inputs)) for (const input of Object.values(inputs)) if (isObject(input)) add(input, 'description');
    visitList(own(definition, 'steps'));
  }
  return slots;
}

/**
 * One issue (code `hidden_character`) per string or key of a definition that holds a refused
 * character, at its path (a key's issue is at the path the key names). Prose fields may keep the
 * `PROSE_ALLOWED` characters; everything else (ids, names, commands, URLs, headers, bodies,
 * expressions, tool arguments, schemas, input names and defaults…) is code. Expects plain JSON
 * (`toPlainJson`'s output); linear in its size.
 */
export function hiddenCharacterIssues(definition: Node): DefinitionIssue[] {
  const prose = proseSlots(definition);
  const issues: DefinitionIssue[] = [];
  const path: PropertyKey[] = [];
  const check = (text: string, kind: TextKind, subject: 'value' | 'key') => {
    const found = findHiddenCharacters(text, kind);
    if (found.length > 0) issues.push({ path: formatVisiblePath(path), message: hiddenCharacterMessage(found, subject), code: HIDDEN_CHARACTER_CODE });
  };
  const visit = (node: Node, kind: TextKind): void => {
    if (typeof node === 'string') check(node, kind, 'value');
    else if (Array.isArray(node)) {
      node.forEach((child: unknown, index) => {
        path.push(index);
        visit(child, 'code');
        path.pop();
      });
    } else if (isObject(node)) {
      const proseKeys = prose.get(node);
      for (const key of Object.keys(node)) {
        path.push(key);
        check(key, 'code', 'key');
        visit(node[key], proseKeys?.has(key) ? 'prose' : 'code');
        path.pop();
      }
    }
  };
  visit(definition, 'code');
  return issues;
}
