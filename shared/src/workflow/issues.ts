import type { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;

/**
 * Parse-level error map for zod: plain-English messages for the generic
 * issues. Messages a schema sets itself take precedence over this map.
 */
export function describeIssue(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${describeExpected(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return describeBound('at least', issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return describeBound('at most', issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern !== undefined ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return issue.keys.length === 1
        ? `unknown key ${JSON.stringify(issue.keys[0])}`
        : `unknown keys ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'invalid_key':
      return `invalid key: ${issue.issues[0]?.message ?? 'not allowed'}`;
    case 'invalid_element':
      return 'invalid element';
    case 'invalid_value':
      if (issue.input === undefined) return 'required';
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'custom':
      return 'invalid value';
    default: {
      const unexpected: never = issue;
      return `invalid (${String((unexpected as { code?: unknown }).code)})`;
    }
  }
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'object':
    case 'record':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return `a ${expected}`;
  }
}

function describeBound(word: 'at least' | 'at most', origin: string, bound: number, inclusive: boolean): string {
  switch (origin) {
    case 'string':
      if (word === 'at least' && bound === 1) return 'must not be empty';
      return `must be ${word} ${bound} character${bound === 1 ? '' : 's'} long`;
    case 'array':
      return `must have ${word} ${bound} item${bound === 1 ? '' : 's'}`;
    case 'number':
    case 'int':
      if (inclusive) return `must be ${word} ${bound}`;
      return `must be ${word === 'at least' ? 'greater' : 'less'} than ${bound}`;
    default:
      return `must be ${word} ${bound}`;
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a number';
    default:
      return typeof value;
  }
}
