import { childBranchFields } from '../workflow/walk';
import { deepEqual, fieldDiff, isPlainObject } from './field-diff';

export { deepEqual } from './field-diff';

/** One difference between two workflow definitions, keyed by step id so moves read as moves. */
export type DefinitionChange =
  | { kind: 'field'; path: string; before: unknown; after: unknown }
  | { kind: 'step_added'; stepId: string; after: unknown }
  | { kind: 'step_removed'; stepId: string; before: unknown }
  /** `fields`: the leaf paths of the step's own fields that differ (`fieldDiff`), nested step lists left out. */
  | { kind: 'step_changed'; stepId: string; fields: string[]; before: unknown; after: unknown }
  | { kind: 'step_moved'; stepId: string; from: string; to: string };

type StepLike = { id: string; [k: string]: unknown };
type Indexed = { path: string; parent: string; own: Record<string, unknown>; full: StepLike };

/**
 * Every step by id with its location (`steps[1].then[0]`), the list that holds it (the container's
 * id and branch, not its path, so a step inside a moved container has not moved) and its own
 * fields minus nested bodies. `lists` keeps each list's ids in order.
 */
function index(steps: unknown, base: string, parent: string, out: Map<string, Indexed>, lists: Map<string, string[]>) {
  if (!Array.isArray(steps)) return;
  const order: string[] = lists.get(parent) ?? [];
  lists.set(parent, order);
  steps.forEach((s, i) => {
    if (!isPlainObject(s) || typeof s.id !== 'string') return;
    const path = `${base}[${i}]`;
    const nested: readonly string[] = childBranchFields(s.type);
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (!nested.includes(k)) own[k] = v;
    out.set(s.id, { path, parent, own, full: s as StepLike });
    order.push(s.id);
    for (const key of nested) index(s[key], `${path}.${key}`, JSON.stringify([s.id, key]), out, lists);
  });
}

function indexDefinition(steps: unknown) {
  const byId = new Map<string, Indexed>();
  const lists = new Map<string, string[]>();
  index(steps, 'steps', '', byId, lists);
  return { byId, lists };
}

/**
 * Ids of `before` that a longest common subsequence with `after` keeps: the fewest steps marked
 * moved when a list is reordered. Inserting or removing a sibling moves nobody. Two neighbours
 * that swapped places are ambiguous (either one moved); the later one in `before` is reported.
 */
function keptInOrder(before: readonly string[], after: readonly string[]): Set<string> {
  if (before.length === after.length && before.every((id, i) => id === after[i])) return new Set(before);
  const n = before.length;
  const m = after.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) dp[i]![j] = before[i - 1] === after[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  }
  const kept = new Set<string>();
  for (let i = n, j = m; i > 0 && j > 0; ) {
    if (before[i - 1] === after[j - 1]) {
      kept.add(before[i - 1]!);
      i--;
      j--;
    } else if (dp[i - 1]![j]! >= dp[i]![j - 1]!) i--;
    else j--;
  }
  return kept;
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
  const ia = indexDefinition(a.steps);
  const ib = indexDefinition(b.steps);
  // A step moved when its list changed, or when it left the longest run of its list's surviving
  // steps that kept their order.
  const stayed = new Set<string>();
  for (const [parent, orderA] of ia.lists) {
    const orderB = ib.lists.get(parent);
    if (orderB === undefined) continue;
    const inBoth = (list: readonly string[], other: Map<string, Indexed>) => list.filter((id) => other.get(id)?.parent === parent);
    for (const id of keptInOrder(inBoth(orderA, ib.byId), inBoth(orderB, ia.byId))) stayed.add(id);
  }
  for (const [id, sb] of ib.byId) {
    const sa = ia.byId.get(id);
    if (!sa) {
      changes.push({ kind: 'step_added', stepId: id, after: sb.full });
      continue;
    }
    const fields = fieldDiff(sa.own, sb.own).map((change) => change.path);
    if (fields.length > 0) changes.push({ kind: 'step_changed', stepId: id, fields, before: sa.own, after: sb.own });
    if (!stayed.has(id)) changes.push({ kind: 'step_moved', stepId: id, from: sa.path, to: sb.path });
  }
  for (const [id, sa] of ia.byId) if (!ib.byId.has(id)) changes.push({ kind: 'step_removed', stepId: id, before: sa.full });
  return changes;
}
