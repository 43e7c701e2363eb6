// Why jsep: it only parses (no eval, no `new Function`, no vm), it is small and
// maintained, and it hands back a plain AST. Weft owns the evaluator, so it
// decides that a missing key is null, that prototypes are unreachable and that
// nothing can be called. jsep's AST is then narrowed to the few node kinds
// below; anything else is rejected here, at parse time, with a clear message.
import jsep from 'jsep';
import { ExpressionError } from './expression-error';

export type UnaryOperator = '!' | '-';
export type LogicalOperator = '&&' | '||';
export type BinaryOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export type ExpressionNode =
  | { readonly type: 'literal'; readonly value: string | number | boolean | null }
  | { readonly type: 'identifier'; readonly name: string }
  | { readonly type: 'member'; readonly object: ExpressionNode; readonly key: string | number }
  | { readonly type: 'array'; readonly elements: readonly ExpressionNode[] }
  | { readonly type: 'unary'; readonly operator: UnaryOperator; readonly argument: ExpressionNode }
  | { readonly type: 'logical'; readonly operator: LogicalOperator; readonly left: ExpressionNode; readonly right: ExpressionNode }
  | { readonly type: 'binary'; readonly operator: BinaryOperator; readonly left: ExpressionNode; readonly right: ExpressionNode };

export interface ParsedExpression {
  readonly source: string;
  readonly ast: ExpressionNode;
}

export const MAX_EXPRESSION_LENGTH = 4000;
// Bounds recursion in jsep, in the conversion below and in the evaluator, so a
// pathological input is a syntax error instead of a stack overflow.
export const MAX_EXPRESSION_DEPTH = 64;

// jsep is a process-wide singleton; this block is its only configuration.
// Bitwise operators, `**` and unary `~`/`+` are removed so they are plain
// syntax errors. `===`, `!==`, `??` and `=` stay recognised (`=` is added)
// only so the conversion can reject them with a hint about what to write.
for (const op of ['|', '^', '&', '<<', '>>', '>>>', '**']) jsep.removeBinaryOp(op);
jsep.removeUnaryOp('~');
jsep.removeUnaryOp('+');
jsep.addBinaryOp('=', 0.5);

const BINARY_OPERATORS: ReadonlySet<string> = new Set<BinaryOperator>(['==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%']);

const REJECTED_OPERATOR_HINTS: Readonly<Record<string, string>> = {
  '===': 'operator "===" is not supported; use "==" (it never coerces types)',
  '!==': 'operator "!==" is not supported; use "!=" (it never coerces types)',
  '??': 'operator "??" is not supported; use "||"',
  '=': 'assignment "=" is not supported; use "==" to compare',
};

const CACHE_LIMIT = 1000;
type CacheEntry = { ok: true; parsed: ParsedExpression } | { ok: false; message: string; index: number | undefined };
const cache = new Map<string, CacheEntry>();

/** Parses an expression into Weft's restricted AST. Throws `ExpressionError` (kind `syntax`). */
export function parseExpression(source: string): ParsedExpression {
  const entry = cache.get(source) ?? remember(source, parseUncached(source));
  if (entry.ok) return entry.parsed;
  // A fresh error per call: callers may attach context to it.
  throw new ExpressionError(entry.message, { kind: 'syntax', index: entry.index });
}

export function tryParseExpression(source: string): { ok: true; expression: ParsedExpression } | { ok: false; error: ExpressionError } {
  try {
    return { ok: true, expression: parseExpression(source) };
  } catch (error) {
    if (error instanceof ExpressionError) return { ok: false, error };
    throw error;
  }
}

function remember(source: string, entry: CacheEntry): CacheEntry {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(source, entry);
  return entry;
}

function parseUncached(source: string): CacheEntry {
  try {
    if (typeof source !== 'string') return fail('expression must be a string');
    if (source.trim() === '') return fail('expression is empty');
    if (source.length > MAX_EXPRESSION_LENGTH) return fail(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
    if (nestingDepth(source) > MAX_EXPRESSION_DEPTH) return fail('expression is nested too deeply');
    let raw: jsep.Expression;
    try {
      raw = jsep(source);
    } catch (error) {
      return fail(jsepMessage(error), jsepIndex(error));
    }
    const ast = deepFreeze(convert(raw, 0));
    return { ok: true, parsed: Object.freeze({ source, ast }) };
  } catch (error) {
    if (error instanceof ConversionError) return fail(error.message);
    // Anything else (e.g. a RangeError from deep recursion inside jsep) is
    // still the expression's fault, not the caller's.
    return fail('expression could not be parsed (too complex)');
  }
}

function fail(message: string, index?: number): CacheEntry {
  return { ok: false, message, index };
}

class ConversionError extends Error {}

function reject(message: string): never {
  throw new ConversionError(message);
}

function convert(node: jsep.Expression, depth: number): ExpressionNode {
  if (depth > MAX_EXPRESSION_DEPTH) reject('expression is nested too deeply');
  const next = depth + 1;
  const core = node as jsep.CoreExpression;
  switch (core.type) {
    case 'Literal':
      return convertLiteral(core);
    case 'Identifier':
      return { type: 'identifier', name: core.name };
    case 'MemberExpression':
      return { type: 'member', object: convert(core.object, next), key: memberKey(core) };
    case 'ArrayExpression':
      return {
        type: 'array',
        elements: core.elements.map((element) => (element === null ? reject('array literals cannot have holes') : convert(element, next))),
      };
    case 'UnaryExpression':
      if (core.operator !== '!' && core.operator !== '-') reject(`unary operator "${core.operator}" is not supported`);
      return { type: 'unary', operator: core.operator, argument: convert(core.argument, next) };
    case 'BinaryExpression': {
      const hint = REJECTED_OPERATOR_HINTS[core.operator];
      if (hint !== undefined) reject(hint);
      const left = convert(core.left, next);
      const right = convert(core.right, next);
      if (core.operator === '&&' || core.operator === '||') return { type: 'logical', operator: core.operator, left, right };
      if (!BINARY_OPERATORS.has(core.operator)) reject(`operator "${core.operator}" is not supported`);
      return { type: 'binary', operator: core.operator as BinaryOperator, left, right };
    }
    case 'CallExpression':
      return reject('function calls are not supported');
    case 'ThisExpression':
      return reject('"this" is not supported');
    case 'ConditionalExpression':
      return reject('conditional expressions (a ? b : c) are not supported');
    case 'Compound':
      return rejectCompound(core);
    case 'SequenceExpression':
      return reject('expected a single expression, found a comma-separated list');
    default: {
      const unexpected: never = core;
      return reject(`unsupported syntax (${String((unexpected as jsep.Expression).type)})`);
    }
  }
}

function convertLiteral(node: jsep.Literal): ExpressionNode {
  const value = node.value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) reject(`number ${node.raw} is out of range`);
    return { type: 'literal', value };
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return { type: 'literal', value };
  return reject('unsupported literal');
}

function memberKey(node: jsep.MemberExpression): string | number {
  if (!node.computed) {
    const property = node.property as jsep.CoreExpression;
    if (property.type !== 'Identifier') reject('expected a property name after "."');
    return property.name;
  }
  const property = node.property as jsep.CoreExpression;
  if (property.type === 'Literal') {
    const key = property.value;
    if (typeof key === 'string') return key;
    if (typeof key === 'number' && Number.isSafeInteger(key) && key >= 0) return key;
    if (typeof key === 'number') reject('an array index must be a non-negative integer');
  }
  return reject('only literal keys are allowed in brackets, like a[0] or a["key"]');
}

function rejectCompound(node: jsep.Compound): never {
  const first = node.body[0] as jsep.CoreExpression | undefined;
  if (first?.type === 'Identifier' && first.name === 'new') reject('"new" is not supported');
  return reject('expected a single expression; is an operator missing between two values?');
}

/** Bracket depth outside string literals: a cheap guard against recursion blow-ups. */
function nestingDepth(source: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | null = null;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quote !== null) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') max = Math.max(max, ++depth);
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === '!' || ch === '-') {
      // A run of unary operators (`!!!!`, `- - -`) recurses in jsep like brackets do.
      const end = endOfOperatorRun(source, i);
      max = Math.max(max, depth + countOperators(source, i, end));
      i = end - 1;
    }
  }
  return max;
}

function endOfOperatorRun(source: string, start: number): number {
  let i = start;
  while (i < source.length && /[!\-\s]/.test(source[i] ?? '')) i++;
  return i;
}

function countOperators(source: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) if (source[i] === '!' || source[i] === '-') count++;
  return count;
}

function jsepMessage(error: unknown): string {
  if (error instanceof Error) {
    const description = (error as { description?: unknown }).description;
    const index = jsepIndex(error);
    const text = typeof description === 'string' ? description : error.message;
    return index === undefined ? text : `${text} at character ${index}`;
  }
  return 'expression could not be parsed';
}

function jsepIndex(error: unknown): number | undefined {
  const index = error instanceof Error ? (error as { index?: unknown }).index : undefined;
  return typeof index === 'number' ? index : undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
