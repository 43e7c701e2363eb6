import { childBranchFields } from '../workflow/walk';

/** One difference between two workflow definitions, keyed by step id so moves read as moves. */
export type DefinitionChange =
  | { kind: 'field'; path: string; before: unknown; after: unknown }
  | { kind: 'step_added'; stepId: string; after: unknown }
  | { kind: 'step_removed'; stepId: string; before: unknown }
  | { kind: 'step_changed'; stepId: string; fields: string[]; before: unknown; after: unknown }
  | { kind: 'step_moved'; stepId: string; from: string; to: string };

type StepLike = { id: string; [k: string]: unknown };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

/** Every step by id with its location (`steps[1].then[0]`) and its own fields minus nested bodies. */
function index(steps: unknown, base = 'steps', out = new Map<string, { path: string; own: Record<string, unknown>; full: StepLike }>()) {
  if (!Array.isArray(steps)) return out;
  steps.forEach((s, i) => {
    if (!isPlainObject(s) || typeof s.id !== 'string') return;
    const path = `${base}[${i}]`;
    const nested: readonly string[] = childBranchFields(s.type);
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (!nested.includes(k)) own[k] = v;
    out.set(s.id, { path, own, full: s as StepLike });
    for (const key of nested) index(s[key], `${path}.${key}`, out);
  });
  return out;
}

/** What changed from `before` to `after`: top-level fields, then steps added, removed, changed, moved. */
export function diffDefinitions(before: unknown, after: unknown): DefinitionChange[] {
  const a = isPlainObject(before) ? before : {};
  const b = isPlainObject(after) ? after : {};
  const changes: DefinitionChange[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === 'steps') continue;
    if (!deepEqual(a[key], b[key])) changes.push({ kind: 'field', path: key, before: a[key], after: b[key] });
  }
  const ia = index(a.steps);
  const ib = index(b.steps);
  for (const [id, sb] of ib) {
    const sa = ia.get(id);
    if (!sa) {
      changes.push({ kind: 'step_added', stepId: id, after: sb.full });
      continue;
    }
    const fields = [...new Set([...Object.keys(sa.own), ...Object.keys(sb.own)])].filter((k) => !deepEqual(sa.own[k], sb.own[k]));
    if (fields.length > 0) changes.push({ kind: 'step_changed', stepId: id, fields, before: sa.own, after: sb.own });
    if (sa.path !== sb.path) changes.push({ kind: 'step_moved', stepId: id, from: sa.path, to: sb.path });
  }
  for (const [id, sa] of ia) if (!ib.has(id)) changes.push({ kind: 'step_removed', stepId: id, before: sa.full });
  return changes;
}
