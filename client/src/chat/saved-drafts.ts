import { createKeyedStore } from '../store/keyed-store';

/** Drafts saved during this visit, by `messageId#part`: rows scroll out of the DOM, the answer stays. */
export const savedDrafts = createKeyedStore<{ id: string; name: string } | null>(null);

/** On sign-out: the next person in the tab starts with none of these. */
export function forgetSavedDrafts(): void {
  for (const key of [...savedDrafts.keys()]) savedDrafts.delete(key);
}
