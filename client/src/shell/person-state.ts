import { resetLiveSocket } from '../api/live-socket';
import { approvalsStore } from '../approvals/approvals-store';
import { forgetSavedDrafts } from '../chat/saved-drafts';
import { authStore, type AuthStore } from '../store/auth-store';
import { endPersonScope } from '../store/person-scope';

/**
 * What the app holds for the signed-in person outside React Query, dropped when they sign out so
 * the next person in the same tab starts clean: the shared live socket (closed, every subscription
 * forgotten; the next use opens a new one, authenticated as whoever is signed in then), the
 * approvals the cards and the badge show, and which chat drafts were saved.
 *
 * First the person's sign-in scope ends (store/person-scope.ts): a request still in flight (the
 * approvals list, a decision, a draft being saved, a chat's snapshot) or a socket event already
 * received or queued cannot fill these stores again once they are cleared: its answer is dropped.
 */
export function resetPersonState(): void {
  endPersonScope();
  resetLiveSocket();
  approvalsStore.clear();
  forgetSavedDrafts();
}

/**
 * Runs `reset` each time `store` goes from `signed-in` to `signed-out`: a sign-out, or a 401 from
 * any request (an ended session, a disabled person). A first load that finds no session (`unknown`
 * to `signed-out`) held nobody's state. Returns the stop.
 */
export function resetOnSignOut(store: AuthStore = authStore, reset: () => void = resetPersonState): () => void {
  let last = store.getStatus();
  return store.subscribe(() => {
    const status = store.getStatus();
    if (status === 'signed-out' && last === 'signed-in') reset();
    last = status;
  });
}
