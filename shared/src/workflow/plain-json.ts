import { formatPath } from './path';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface PlainJsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Total values visited; also bounds inputs that share sub-objects many times over. */
  maxNodes: number;
}

export const DEFAULT_PLAIN_JSON_LIMITS: PlainJsonLimits = { maxDepth: 64, maxNodes: 200_000 };

type Problem = { path: string; message: string };

class TooLarge extends Error {}

/**
 * Copies an untrusted value into fresh plain JSON without ever running user
 * code: properties are read through descriptors (getters are reported, never
 * called), cycles, non-JSON types and non-plain objects are reported with their
 * path, and every proxy trap is contained. Key order is preserved and keys with
 * an `undefined` value are dropped, as `JSON.stringify` would.
 *
 * Everything downstream (zod, the reference checks) then only sees data.
 */
export function toPlainJson(
  value: unknown,
  limits: PlainJsonLimits = DEFAULT_PLAIN_JSON_LIMITS,
): { ok: true; value: JsonValue } | { ok: false; errors: Problem[] } {
  const problems: Problem[] = [];
  const ancestors = new Set<object>();
  let nodes = 0;

  const report = (path: PropertyKey[], message: string): undefined => {
    if (problems.length < 100) problems.push({ path: formatPath(path), message });
    return undefined;
  };

  const copy = (input: unknown, path: PropertyKey[]): JsonValue | undefined => {
    if (++nodes > limits.maxNodes) throw new TooLarge();
    const kind = typeof input;
    switch (kind) {
      case 'string':
      case 'boolean':
        return input as string | boolean;
      case 'number':
        return Number.isFinite(input) ? (input as number) : report(path, `${String(input)} is not a JSON number`);
      case 'bigint':
        return report(path, 'expected a JSON value, got a bigint');
      case 'symbol':
        return report(path, 'expected a JSON value, got a symbol');
      case 'function':
        return report(path, 'expected a JSON value, got a function');
      case 'undefined':
        return report(path, 'expected a JSON value, got undefined');
      case 'object':
        return input === null ? null : copyObject(input as object, path);
      default: {
        const unexpected: never = kind;
        return report(path, `expected a JSON value, got ${String(unexpected)}`);
      }
    }
  };

  const copyObject = (input: object, path: PropertyKey[]): JsonValue | undefined => {
    if (ancestors.has(input)) return report(path, 'circular reference');
    if (path.length >= limits.maxDepth) return report(path, `nested more than ${limits.maxDepth} levels deep`);
    ancestors.add(input);
    try {
      return Array.isArray(input) ? copyArray(input, path) : copyRecord(input, path);
    } catch (error) {
      if (error instanceof TooLarge) throw error;
      // A proxy trap or exotic object threw while being read.
      return report(path, 'value could not be read as JSON');
    } finally {
      ancestors.delete(input);
    }
  };

  const copyArray = (input: readonly unknown[], path: PropertyKey[]): JsonValue[] => {
    const out: JsonValue[] = [];
    const length = readOwn(input, 'length', path);
    if (typeof length !== 'number') return out;
    if (length > limits.maxNodes) throw new TooLarge();
    for (let index = 0; index < length; index++) {
      const elementPath = [...path, index];
      const descriptor = Object.getOwnPropertyDescriptor(input, index);
      if (descriptor === undefined) {
        report(elementPath, 'missing array element');
        continue;
      }
      const element = dataValueOf(descriptor, elementPath);
      if (element.ok) {
        const copied = copy(element.value, elementPath);
        if (copied !== undefined) out.push(copied);
      }
    }
    return out;
  };

  const copyRecord = (input: object, path: PropertyKey[]): JsonValue | undefined => {
    const prototype: unknown = Object.getPrototypeOf(input);
    if (prototype !== Object.prototype && prototype !== null) return report(path, 'expected a plain JSON object');
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(input)) {
      const childPath = [...path, key];
      const descriptor = Object.getOwnPropertyDescriptor(input, key);
      if (descriptor === undefined) continue;
      const child = dataValueOf(descriptor, childPath);
      if (!child.ok || child.value === undefined) continue;
      const copied = copy(child.value, childPath);
      // defineProperty keeps a `__proto__` key as data instead of swapping the prototype.
      if (copied !== undefined) Object.defineProperty(out, key, { value: copied, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };

  const dataValueOf = (descriptor: PropertyDescriptor, path: PropertyKey[]): { ok: true; value: unknown } | { ok: false } => {
    if ('value' in descriptor) return { ok: true, value: descriptor.value };
    report(path, 'accessor properties (getters) are not allowed; pass plain data');
    return { ok: false };
  };

  const readOwn = (input: object, key: string, path: PropertyKey[]): unknown => {
    const descriptor = Object.getOwnPropertyDescriptor(input, key);
    return descriptor === undefined ? undefined : (dataValueOf(descriptor, path) as { value?: unknown }).value;
  };

  try {
    const result = copy(value, []);
    if (problems.length > 0 || result === undefined) {
      return { ok: false, errors: problems.length > 0 ? problems : [{ path: '', message: 'expected a JSON value' }] };
    }
    return { ok: true, value: result };
  } catch (error) {
    if (error instanceof TooLarge) return { ok: false, errors: [{ path: '', message: `more than ${limits.maxNodes} values; too large` }] };
    return { ok: false, errors: [{ path: '', message: 'value could not be read as JSON' }] };
  }
}
