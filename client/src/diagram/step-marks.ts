import type { DefinitionDiffSummary } from '@weft/shared';

/** How a step differs between the two sides of a comparison. */
export type DiffKind = 'added' | 'removed' | 'changed' | 'moved';

/** What a node shows about its step in a comparison: its kinds, and for a changed step the field paths. */
export type StepMark = { readonly kinds: readonly DiffKind[]; readonly fields: readonly string[] };

/** Marker text for each kind: the colour is never the only signal. */
export const DIFF_LABELS: { readonly [K in DiffKind]: { readonly symbol: string; readonly text: string } } = {
  added: { symbol: '+', text: 'Added' },
  removed: { symbol: '−', text: 'Removed' },
  changed: { symbol: '~', text: 'Changed' },
  moved: { symbol: '↕', text: 'Moved' },
};

/**
 * The marks one side of a comparison draws: the `before` diagram shows removed steps, the `after`
 * diagram added ones; both show changed and moved steps (they exist on both sides).
 */
export function marksFor(summary: DefinitionDiffSummary, side: 'before' | 'after'): ReadonlyMap<string, StepMark> {
  const marks = new Map<string, { kinds: DiffKind[]; fields: string[] }>();
  const add = (id: string, kind: DiffKind, fields: readonly string[] = []) => {
    const mark = marks.get(id) ?? { kinds: [], fields: [] };
    mark.kinds.push(kind);
    mark.fields.push(...fields);
    marks.set(id, mark);
  };
  for (const id of side === 'before' ? summary.removed : summary.added) add(id, side === 'before' ? 'removed' : 'added');
  for (const { id, fields } of summary.changed) add(id, 'changed', fields);
  for (const id of summary.moved) add(id, 'moved');
  return marks;
}
