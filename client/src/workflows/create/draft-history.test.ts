import type { WorkflowDefinition } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { canUndo, changedStepIds, currentDraft, editFromJson, emptyHistory, pushDraft, undoDraft } from './draft-history';

const v1: WorkflowDefinition = {
  name: 'Hello',
  steps: [
    { id: 'say', type: 'bash', command: 'echo hello' },
    { id: 'tell', type: 'notify', message: 'done' },
  ],
};
const v2: WorkflowDefinition = { ...v1, steps: [{ id: 'say', type: 'bash', command: 'echo hi' }, v1.steps[1]!] };
const v3: WorkflowDefinition = { ...v2, steps: [...v2.steps, { id: 'again', type: 'notify', message: 'again' }] };

describe('draft history', () => {
  it('highlights nothing for the first draft, then the steps each change touched', () => {
    let h = pushDraft(emptyHistory(), { definition: v1, source: 'draft', label: 'first' });
    expect([...h.highlight]).toEqual([]);
    expect(canUndo(h)).toBe(false);
    h = pushDraft(h, { definition: v2, source: 'step', label: 'step' });
    expect([...h.highlight]).toEqual(['say']);
    h = pushDraft(h, { definition: v3, source: 'refine', label: 'refine' });
    expect([...h.highlight]).toEqual(['again']);
  });

  it('undo restores the previous draft and highlights what changed back', () => {
    let h = pushDraft(emptyHistory(v1), { definition: v2, source: 'step', label: 'step' });
    h = undoDraft(h);
    expect(currentDraft(h)?.definition).toBe(v1);
    expect([...h.highlight]).toEqual(['say']);
    expect(undoDraft(h)).toBe(h);
  });

  it('coalesces consecutive JSON edits into one undo step', () => {
    let h = emptyHistory(v1);
    h = editFromJson(h, v2);
    h = editFromJson(h, v3);
    expect(h.entries).toHaveLength(2);
    expect([...h.highlight].sort()).toEqual(['again', 'say']);
    expect(currentDraft(undoDraft(h))?.definition).toBe(v1);
  });

  it('counts moves as changes but not untouched steps', () => {
    // Two neighbours swapped: one move explains it, so one step is marked (the earlier one before).
    const moved: WorkflowDefinition = { ...v1, steps: [v1.steps[1]!, v1.steps[0]!] };
    expect([...changedStepIds(v1, moved)]).toEqual([v1.steps[0]!.id]);
    expect([...changedStepIds(v1, { ...v1, name: 'Renamed' })]).toEqual([]);
  });
});
