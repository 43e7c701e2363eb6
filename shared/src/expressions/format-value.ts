import { ExpressionError } from './expression-error';

/**
 * How a value appears inside rendered text: strings as-is, null as nothing,
 * numbers and booleans plainly, objects and arrays as compact JSON.
 */
export function formatValue(value: unknown): string {
  const kind = typeof value;
  switch (kind) {
    case 'string':
      return value as string;
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    case 'object':
      return value === null ? '' : stringifyJson(value as object);
    case 'bigint':
    case 'symbol':
    case 'function':
      return '';
    default: {
      const unexpected: never = kind;
      return String(unexpected);
    }
  }
}

function stringifyJson(value: object): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch (error) {
    // Cycles or BigInt in run data: a data problem, reported like any other.
    const reason = error instanceof Error ? error.message : 'not JSON';
    throw new ExpressionError(`value cannot be rendered as JSON: ${reason}`, { kind: 'evaluation' });
  }
}
