import { ExpressionError } from './expression-error';
import { formatValue } from './format-value';
import { parseExpression, type BinaryOperator, type ExpressionNode, type ParsedExpression } from './parse';

// Own-property reads alone already keep prototypes out of reach; these names
// are refused as well so a JSON payload carrying an own `__proto__` key cannot
// make an expression look like it is walking the prototype chain.
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_COMPARE_DEPTH = 256;

/**
 * Evaluates an expression against a scope (see `ExpressionScope`).
 *
 * Semantics, chosen so that a skipped step or a missing key never crashes a run:
 * - a missing key, an unknown root name, or member access on null/non-objects yields null;
 * - only own data properties are read (getters are never invoked); `__proto__`,
 *   `constructor` and `prototype` read as null;
 * - `==`/`!=` are strict: primitives by identity, objects and arrays by JSON deep equality;
 * - `< <= > >=` compare two numbers or two strings, anything else is false;
 * - `&&`, `||` and `!` short-circuit and always return booleans (JS truthiness: null,
 *   false, 0, "" are falsy; every object and array, even empty, is truthy);
 * - `+` adds two numbers, or concatenates when either side is a string (the other side
 *   formatted as in templates); other arithmetic needs two numbers. Type mismatches and
 *   non-finite results (division by zero) yield null.
 *
 * Throws only `ExpressionError`: `syntax` for a bad source string, `evaluation` for run data
 * that cannot be handled (e.g. a cyclic object).
 */
export function evaluateExpression(expression: string | ParsedExpression, scope: Readonly<Record<string, unknown>>): unknown {
  const parsed = typeof expression === 'string' ? parseExpression(expression) : expression;
  try {
    return evaluateNode(parsed.ast, scope);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new ExpressionError(`could not evaluate "${parsed.source}": ${reason}`, { kind: 'evaluation' });
  }
}

/** Evaluates an `if`/`condition` expression to a boolean using the truthiness rules above. */
export function evaluateCondition(expression: string | ParsedExpression, scope: Readonly<Record<string, unknown>>): boolean {
  return isTruthy(evaluateExpression(expression, scope));
}

export function isTruthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false && value !== 0 && value !== '' && !Number.isNaN(value);
}

function evaluateNode(node: ExpressionNode, scope: Readonly<Record<string, unknown>>): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'identifier':
      return readMember(scope, node.name);
    case 'member':
      return readMember(evaluateNode(node.object, scope), node.key);
    case 'array':
      return node.elements.map((element) => evaluateNode(element, scope));
    case 'unary': {
      const value = evaluateNode(node.argument, scope);
      return node.operator === '!' ? !isTruthy(value) : typeof value === 'number' ? finiteOrNull(-value) : null;
    }
    case 'logical':
      if (node.operator === '&&') return isTruthy(evaluateNode(node.left, scope)) && isTruthy(evaluateNode(node.right, scope));
      return isTruthy(evaluateNode(node.left, scope)) || isTruthy(evaluateNode(node.right, scope));
    case 'binary':
      return applyBinary(node.operator, evaluateNode(node.left, scope), evaluateNode(node.right, scope));
    default: {
      const unexpected: never = node;
      throw new ExpressionError(`unsupported expression node ${JSON.stringify(unexpected)}`, { kind: 'evaluation' });
    }
  }
}

function readMember(target: unknown, key: string | number): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'string')) return null;
  const name = String(key);
  if (FORBIDDEN_KEYS.has(name)) return null;
  // A descriptor read never runs a getter and never consults the prototype;
  // for strings it exposes exactly `length` and the character indices.
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor === undefined || !('value' in descriptor)) return null;
  return asScopeValue(descriptor.value);
}

function asScopeValue(value: unknown): unknown {
  const kind = typeof value;
  switch (kind) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'object':
      return value;
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      return null;
    default: {
      const unexpected: never = kind;
      return unexpected;
    }
  }
}

function applyBinary(operator: BinaryOperator, left: unknown, right: unknown): unknown {
  switch (operator) {
    case '==':
      return jsonEqual(left, right);
    case '!=':
      return !jsonEqual(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(operator, left, right);
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return finiteOrNull(left + right);
      if (typeof left === 'string' || typeof right === 'string') return concatenate(left, right);
      return null;
    case '-':
    case '*':
    case '/':
    case '%':
      if (typeof left !== 'number' || typeof right !== 'number') return null;
      return finiteOrNull(arithmetic(operator, left, right));
    default: {
      const unexpected: never = operator;
      throw new ExpressionError(`unsupported operator ${String(unexpected)}`, { kind: 'evaluation' });
    }
  }
}

function concatenate(left: unknown, right: unknown): string | null {
  const mixable = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null;
  // Concatenating an object is almost always a mistake; `{{ }}` templates are the way to embed JSON.
  if (!mixable(left) || !mixable(right)) return null;
  return formatValue(left) + formatValue(right);
}

function arithmetic(operator: '-' | '*' | '/' | '%', left: number, right: number): number {
  switch (operator) {
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return left / right;
    case '%':
      return left % right;
    default: {
      const unexpected: never = operator;
      return unexpected;
    }
  }
}

function compare(operator: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const a = left as number | string;
  const b = right as number | string;
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default: {
      const unexpected: never = operator;
      return unexpected;
    }
  }
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Deep equality of JSON values; key order does not matter, undefined-valued keys count as absent. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return jsonEqualAt(a, b, 0);
}

function jsonEqualAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return (a === undefined && b === null) || (a === null && b === undefined);
  }
  if (depth > MAX_COMPARE_DEPTH) throw new ExpressionError('values are nested too deeply (or cyclic) to compare', { kind: 'evaluation' });
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, i) => jsonEqualAt(element, b[i], depth + 1));
  }
  const aKeys = definedKeys(a);
  const bKeys = definedKeys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && jsonEqualAt((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], depth + 1));
}

function definedKeys(value: object): string[] {
  return Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
}
