import { createKeyedStore } from '../store/keyed-store';

/**
 * A draft as saved: the workflow, and `triggerOff` when it was saved with its schedule or webhook
 * turned off (the person chose to, after seeing its steps).
 */
export type SavedDraft = { id: string; name: string; triggerOff?: 'schedule' | 'webhook' };

/** Drafts saved during this visit, by `messageId#part`: rows scroll out of the DOM, the answer stays. */
export const savedDrafts = createKeyedStore<SavedDraft | null>(null);

/** On sign-out: the next person in the tab starts with none of these. */
export function forgetSavedDrafts(): void {
  for (const key of [...savedDrafts.keys()]) savedDrafts.delete(key);
}
