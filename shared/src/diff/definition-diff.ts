import { childBranchFields } from '../workflow/walk';
import { isPlainObject } from '../steps/common';
import { deepEqual, fieldDiff } from './field-diff';

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
 * Ids of `before` that keep their relative order in `after` (both hold the same ids): a longest
 * increasing run of their new positions, so the fewest steps are marked moved when a list is
 * reordered, and inserting or removing a sibling moves nobody. O(n log n), so a list of thousands
 * of steps costs no more than reading it. Two neighbours that swapped places are ambiguous (either
 * one moved); the earlier one in `before` is reported.
 */
function keptInOrder(before: readonly string[], after: readonly string[]): Set<string> {
  if (before.length === after.length && before.every((id, i) => id === after[i])) return new Set(before);
  const position = new Map(after.map((id, i) => [id, i]));
  const seq = before.map((id) => position.get(id) ?? -1);
  // Patience sorting: tails[k] is the index in `seq` ending the lowest increasing run of length k + 1.
  const tails: number[] = [];
  const previous = new Array<number>(seq.length).fill(-1);
  seq.forEach((value, i) => {
    if (value < 0) return; // an id `after` does not hold (only in malformed input with repeated ids)
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const kept = new Set<string>();
  for (let i = tails[tails.length - 1] ?? -1; i >= 0; i = previous[i]!) kept.add(before[i]!);
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
