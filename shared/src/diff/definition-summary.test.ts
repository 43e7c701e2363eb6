import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeDefinitionDiff } from './definition-summary';

// The model: steps as plain objects, containers holding lists under their catalogue branches.
type Step = { id: string; type: string; [k: string]: unknown };
const BRANCHES: Record<string, string[]> = { conditional: ['then', 'else'], loop: ['steps'] };

type Shape = { kind: 'bash' | 'notify' } | { kind: 'conditional'; then: Shape[]; else: Shape[] | null } | { kind: 'loop'; steps: Shape[] };

const shapes = fc.letrec<{ list: Shape[]; step: Shape }>((tie) => ({
  list: fc.array(tie('step'), { maxLength: 4 }),
  step: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Shape>({ kind: 'bash' }, { kind: 'notify' }),
    fc.record({ kind: fc.constant('conditional' as const), then: tie('list'), else: fc.option(tie('list'), { nil: null }) }),
    fc.record({ kind: fc.constant('loop' as const), steps: tie('list') }),
  ),
}));

/** Builds a definition with ids s1, s2… in document order. */
function build(list: Shape[], next = { n: 0 }): Step[] {
  return list.map((shape) => {
    const id = `s${++next.n}`;
    switch (shape.kind) {
      case 'bash':
        return { id, type: 'bash', command: `echo ${id}`, retry: { maxAttempts: 2 } };
      case 'notify':
        return { id, type: 'notify', message: `from ${id}` };
      case 'conditional':
        return { id, type: 'conditional', condition: 'true', then: build(shape.then, next), ...(shape.else ? { else: build(shape.else, next) } : {}) };
      case 'loop':
        return { id, type: 'loop', over: ['a'], steps: build(shape.steps, next) };
      default: {
        const unexpected: never = shape;
        throw new Error(String(unexpected));
      }
    }
  });
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Place = { list: Step[]; parent: string; index: number };

/** Every step list (top level and each branch) with the key of the list: container id and branch. */
function lists(steps: Step[], parent = '', out: { list: Step[]; parent: string; owners: string[] }[] = [], owners: string[] = []) {
  out.push({ list: steps, parent, owners });
  for (const step of steps) {
    for (const branch of BRANCHES[step.type] ?? []) {
      const child = step[branch];
      if (Array.isArray(child)) lists(child as Step[], `${step.id}/${branch}`, out, [...owners, step.id]);
    }
  }
  return out;
}

function places(steps: Step[]): Map<string, Place> {
  const out = new Map<string, Place>();
  for (const { list, parent } of lists(steps)) {
    list.forEach((step, index) => {
      out.set(step.id, { list, parent, index });
    });
  }
  return out;
}

type Edit = { op: 'add' | 'remove' | 'change' | 'move'; pick: number; target: number; index: number; field: number };

const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom('add', 'remove', 'change', 'move'),
  pick: fc.nat(),
  target: fc.nat(),
  index: fc.nat(),
  field: fc.nat(),
});

/**
 * Applies the edits to a copy of `steps`, each original step edited at most once. Returns the
 * result and what the edits did: the steps changed (with the field path each change touched) and
 * moved, and the ids added.
 */
function applyEdits(original: Step[], edits: Edit[]) {
  const steps = clone(original);
  const touched = new Set<string>();
  const changed = new Map<string, string>();
  const moved = new Set<string>();
  let fresh = 0;
  for (const e of edits) {
    const where = places(steps);
    const candidates = [...where.keys()].filter((id) => !id.startsWith('new') && !touched.has(id));
    const all = lists(steps);
    if (e.op === 'add') {
      const into = all[e.target % all.length]!.list;
      into.splice(e.index % (into.length + 1), 0, { id: `new${++fresh}`, type: 'notify', message: 'added' });
      continue;
    }
    if (candidates.length === 0) continue;
    const id = candidates[e.pick % candidates.length]!;
    const at = where.get(id)!;
    touched.add(id);
    const step = at.list[at.index]!;
    if (e.op === 'remove') at.list.splice(at.index, 1);
    else if (e.op === 'change') {
      if (step.type === 'bash' && e.field % 2 === 1) {
        step.retry = { maxAttempts: 5 };
        changed.set(id, 'retry.maxAttempts');
      } else if (step.type === 'bash') {
        step.command = 'echo changed';
        changed.set(id, 'command');
      } else if (step.type === 'notify') {
        step.message = 'changed';
        changed.set(id, 'message');
      } else if (step.type === 'conditional') {
        step.condition = 'false';
        changed.set(id, 'condition');
      } else {
        step.over = ['b', 'c'];
        changed.set(id, 'over');
      }
    } else {
      // Never into its own body.
      const targets = all.filter((l) => !l.owners.includes(id) && l.parent !== `${id}/then` && l.parent !== `${id}/else` && l.parent !== `${id}/steps`);
      at.list.splice(at.index, 1);
      const into = targets[e.target % targets.length]!.list;
      into.splice(e.index % (into.length + 1), 0, step);
      moved.add(id);
    }
  }
  return { steps, changed, moved };
}

/**
 * Whether the steps the edits moved are exactly the ones anyone could name as moved: each moved
 * step left its list, or is the only step moved within its list and passed at least two steps
 * that stayed (one neighbour passed is a swap, where either one moved).
 */
function movesAreUnambiguous(before: Map<string, Place>, after: Map<string, Place>, moved: Set<string>): { ok: boolean; really: Set<string> } {
  const really = new Set<string>();
  const withinList = new Map<string, number>();
  for (const id of moved) {
    const a = before.get(id)!;
    const b = after.get(id);
    if (b === undefined) continue;
    if (a.parent !== b.parent) {
      really.add(id);
      continue;
    }
    withinList.set(a.parent, (withinList.get(a.parent) ?? 0) + 1);
    const stayed = [...before.keys()].filter((other) => other !== id && before.get(other)!.parent === a.parent && after.get(other)?.parent === a.parent);
    const passed = stayed.filter((other) => before.get(other)!.index < a.index !== after.get(other)!.index < b.index).length;
    if (passed === 1) return { ok: false, really };
    if (passed >= 2) really.add(id);
  }
  return { ok: [...withinList.values()].every((n) => n === 1), really };
}

describe('summarizeDefinitionDiff', () => {
  it('marks exactly the edited steps: added, removed, changed (with the field) and moved, nested in branches', () => {
    fc.assert(
      fc.property(shapes.list, fc.array(edit, { maxLength: 8 }), (shape, edits) => {
        const original = build(shape);
        const { steps, changed, moved } = applyEdits(original, edits);
        const before = places(original);
        const after = places(steps);
        const moves = movesAreUnambiguous(before, after, moved);
        fc.pre(moves.ok);

        const summary = summarizeDefinitionDiff({ name: 'w', steps: original }, { name: 'w', steps });
        const sorted = (ids: Iterable<string>) => [...ids].sort();
        expect(sorted(summary.added)).toEqual(sorted([...after.keys()].filter((id) => !before.has(id))));
        expect(sorted(summary.removed)).toEqual(sorted([...before.keys()].filter((id) => !after.has(id))));
        expect(summary.changed.map((c) => [c.id, c.fields]).sort()).toEqual(
          [...changed]
            .filter(([id]) => after.has(id))
            .map(([id, field]) => [id, [field]])
            .sort(),
        );
        expect(sorted(summary.moved)).toEqual(sorted(moves.really));
      }),
      { numRuns: 400 },
    );
  });

  it('is empty for a copy, and reports a swap of neighbours as one move', () => {
    const steps = build([{ kind: 'bash' }, { kind: 'loop', steps: [{ kind: 'notify' }] }, { kind: 'notify' }]);
    expect(summarizeDefinitionDiff({ steps }, clone({ steps }))).toEqual({ added: [], removed: [], changed: [], moved: [] });
    const swapped = [steps[1], steps[0], steps[2]];
    expect(summarizeDefinitionDiff({ steps }, { steps: swapped }).moved).toHaveLength(1);
  });
});
