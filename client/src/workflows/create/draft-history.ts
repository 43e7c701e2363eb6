import { diffDefinitions, type WorkflowDefinition } from '@weft/shared';

/**
 * The drafts of one editing session, newest last. Every chat answer is a new entry, so Undo is a
 * pop; typing in the JSON panel updates one entry while it lasts, so a burst of keystrokes undoes
 * as one. `highlight` holds the steps the last change touched, for the diagram.
 */
export type DraftSource = 'initial' | 'draft' | 'refine' | 'step' | 'json';
export type DraftEntry = { id: number; definition: WorkflowDefinition; source: DraftSource; label: string };
export type DraftHistory = { entries: readonly DraftEntry[]; highlight: ReadonlySet<string>; nextId: number };

const NONE: ReadonlySet<string> = new Set();

export function emptyHistory(initial?: WorkflowDefinition, label = 'Saved version'): DraftHistory {
  return initial === undefined
    ? { entries: [], highlight: NONE, nextId: 1 }
    : { entries: [{ id: 1, definition: initial, source: 'initial', label }], highlight: NONE, nextId: 2 };
}

/** Steps added, changed or moved from `before` to `after`: what a reader should look at. */
export function changedStepIds(before: unknown, after: unknown): Set<string> {
  const ids = new Set<string>();
  for (const change of diffDefinitions(before, after)) {
    if (change.kind === 'step_added' || change.kind === 'step_changed' || change.kind === 'step_moved') ids.add(change.stepId);
  }
  return ids;
}

export function currentDraft(history: DraftHistory): DraftEntry | null {
  return history.entries[history.entries.length - 1] ?? null;
}

export function canUndo(history: DraftHistory): boolean {
  return history.entries.length > 1;
}

export function pushDraft(history: DraftHistory, { definition, source, label }: Omit<DraftEntry, 'id'>): DraftHistory {
  const previous = currentDraft(history);
  return {
    entries: [...history.entries, { id: history.nextId, definition, source, label }],
    highlight: previous === null ? NONE : changedStepIds(previous.definition, definition),
    nextId: history.nextId + 1,
  };
}

/** A valid JSON edit: replaces the entry a previous JSON edit made, else adds one. */
export function editFromJson(history: DraftHistory, definition: WorkflowDefinition): DraftHistory {
  const top = currentDraft(history);
  if (top === null || top.source !== 'json') return pushDraft(history, { definition, source: 'json', label: 'Edited the JSON' });
  const below = history.entries[history.entries.length - 2];
  return {
    ...history,
    entries: [...history.entries.slice(0, -1), { ...top, definition }],
    highlight: below === undefined ? NONE : changedStepIds(below.definition, definition),
  };
}

/** Back to the previous draft; the steps that change back are highlighted. */
export function undoDraft(history: DraftHistory): DraftHistory {
  if (!canUndo(history)) return history;
  const undone = history.entries[history.entries.length - 1]!;
  const entries = history.entries.slice(0, -1);
  const restored = entries[entries.length - 1]!;
  return { ...history, entries, highlight: changedStepIds(undone.definition, restored.definition) };
}
