import { isPlainObject } from '../steps/common';
import { formatPath } from '../workflow/path';

/**
 * One leaf that differs between two JSON values. `path` uses the definition's path notation
 * (`formatPath`): dots between identifier keys, `["…"]` (a JSON string) around any other key,
 * so `retry.maxAttempts`, `toolPolicy["workspace:bash"]`, `env["MY-VAR"]`. Objects are walked
 * key by key, an added or removed object leaf by leaf; arrays are compared whole and named by their own path (`args`), because an
 * insertion would otherwise renumber every later element into a "change".
 */
export type FieldChange =
  | { kind: 'added'; path: string; after: unknown }
  | { kind: 'removed'; path: string; before: unknown }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The leaves that differ from `before` to `after`, in `before`'s key order then the new keys. */
export function fieldDiff(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], out);
  return out;
}

function walk(a: unknown, b: unknown, at: string[], out: FieldChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const inA = Object.hasOwn(a, key) && a[key] !== undefined;
      const inB = Object.hasOwn(b, key) && b[key] !== undefined;
      const path = [...at, key];
      if (inA && inB) walk(a[key], b[key], path, out);
      else if (inA) gone(a[key], path, out);
      else if (inB) arrived(b[key], path, out);
    }
    return;
  }
  // The root of two non-objects has no name of its own: it is reported as `(root)`.
  if (!deepEqual(a, b)) out.push({ kind: 'changed', path: at.length === 0 ? '(root)' : formatPath(at), before: a, after: b });
}

// A whole object added or removed is reported leaf by leaf, like an edit inside it (an empty
// object is its own leaf), so `toolPolicy["workspace:bash"]` reads the same either way.
function arrived(value: unknown, at: string[], out: FieldChange[]): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) for (const [k, v] of Object.entries(value)) arrived(v, [...at, k], out);
  else if (value !== undefined) out.push({ kind: 'added', path: formatPath(at), after: value });
}

function gone(value: unknown, at: string[], out: FieldChange[]): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) for (const [k, v] of Object.entries(value)) gone(v, [...at, k], out);
  else if (value !== undefined) out.push({ kind: 'removed', path: formatPath(at), before: value });
}
