import { evaluateExpression } from './evaluate';
import { ExpressionError } from './expression-error';
import { formatValue } from './format-value';
import { parseExpression, type ParsedExpression } from './parse';
import { expressionReferences, type ExpressionReference } from './references';

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'expression'; readonly expression: ParsedExpression /** offset of the opening `{{` */; readonly start: number };

export interface ParsedTemplate {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

const CACHE_LIMIT = 500;
// Prompts can be long; caching only short templates keeps memory bounded while
// still covering the commands, URLs and messages evaluated on every iteration.
const CACHEABLE_LENGTH = 4096;
const cache = new Map<string, ParsedTemplate>();

/**
 * Splits a string into literal text and `{{ expression }}` parts.
 * A `}}` inside a quoted string literal does not close the part, so a literal
 * `{{` or `}}` can be written as `{{ "{{" }}`. Throws `ExpressionError` (kind `syntax`).
 */
export function parseTemplate(source: string): ParsedTemplate {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const parsed = Object.freeze({ source, parts: Object.freeze(splitTemplate(source)) });
  if (source.length <= CACHEABLE_LENGTH) {
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(source, parsed);
  }
  return parsed;
}

function splitTemplate(source: string): TemplatePart[] {
  if (typeof source !== 'string') throw new ExpressionError('template must be a string', { kind: 'syntax' });
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (let open = source.indexOf('{{'); open !== -1; open = source.indexOf('{{', cursor)) {
    const close = findClose(source, open + 2);
    if (close === -1) throw new ExpressionError(`unterminated "{{" at character ${open}`, { kind: 'syntax', index: open });
    if (open > cursor) parts.push({ kind: 'text', text: source.slice(cursor, open) });
    const body = source.slice(open + 2, close).trim();
    if (body === '') throw new ExpressionError(`empty "{{ }}" at character ${open}`, { kind: 'syntax', index: open });
    parts.push({ kind: 'expression', expression: parseInTemplate(body, open), start: open });
    cursor = close + 2;
  }
  if (cursor < source.length) parts.push({ kind: 'text', text: source.slice(cursor) });
  return parts;
}

function parseInTemplate(body: string, open: number): ParsedExpression {
  try {
    return parseExpression(body);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    throw new ExpressionError(`in "{{ ${excerpt(body)} }}" at character ${open}: ${error.message}`, { kind: 'syntax', index: open });
  }
}

/** Index of the `}}` closing a part, skipping quoted strings; -1 if there is none. */
function findClose(source: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (quote !== null) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '}' && source[i + 1] === '}') {
      return i;
    }
  }
  // An unclosed quote swallowed the `}}`: close at the first one anyway so the
  // user hears about the quote from the expression parser, not a vague "unterminated".
  return quote === null ? -1 : source.indexOf('}}', from);
}

function excerpt(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function toParsed(template: string | ParsedTemplate): ParsedTemplate {
  return typeof template === 'string' ? parseTemplate(template) : template;
}

/** True when the template is exactly one `{{ expr }}` part with no text around it. */
export function isSingleExpressionTemplate(template: string | ParsedTemplate): boolean {
  const { parts } = toParsed(template);
  return parts.length === 1 && parts[0]?.kind === 'expression';
}

/** Renders to a string: null as "", numbers plainly, objects and arrays as JSON. */
export function renderTemplate(template: string | ParsedTemplate, scope: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const part of toParsed(template).parts) {
    out += part.kind === 'text' ? part.text : formatValue(evaluateExpression(part.expression, scope));
  }
  return out;
}

/**
 * Like `renderTemplate`, except a template that is exactly one `{{ expr }}`
 * part yields the raw value (number, object, null...). For fields that take
 * data rather than text: an http body, a loop's items.
 */
export function evaluateTemplateValue(template: string | ParsedTemplate, scope: Readonly<Record<string, unknown>>): unknown {
  const parsed = toParsed(template);
  const [only] = parsed.parts;
  if (parsed.parts.length === 1 && only?.kind === 'expression') return evaluateExpression(only.expression, scope);
  return renderTemplate(parsed, scope);
}

/**
 * Applies `evaluateTemplateValue` to every string inside a JSON value (an
 * http body), leaving keys and non-string leaves untouched.
 */
export function renderJsonTemplates(value: unknown, scope: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') return evaluateTemplateValue(value, scope);
  if (Array.isArray(value)) return value.map((element) => renderJsonTemplates(element, scope));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // defineProperty, not assignment: a `__proto__` key must stay data.
    Object.defineProperty(out, key, { value: renderJsonTemplates(child, scope), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function templateReferences(template: string | ParsedTemplate): ExpressionReference[] {
  return toParsed(template).parts.flatMap((part) => (part.kind === 'expression' ? expressionReferences(part.expression) : []));
}
