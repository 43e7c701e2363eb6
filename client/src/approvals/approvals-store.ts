import { useCallback, useSyncExternalStore } from 'react';
import { InboxApproval } from '../api/approvals';
import { createKeyedStore } from '../store/keyed-store';

const NO_IDS: readonly string[] = Object.freeze([]);

/**
 * Every approval the app has seen, by id, fed by REST loads, decision answers and the `approvals`
 * (and execution, session) topics. A decision never goes back to pending, so replayed or late
 * `approval.requested` events change nothing, and every card showing an approval updates at once.
 */
export interface ApprovalsStore {
  get(id: string): InboxApproval | undefined;
  subscribe(id: string, listener: () => void): () => void;
  /** Pending ids, newest request first. Stable until it changes. */
  pendingIds(): readonly string[];
  subscribePending(listener: () => void): () => void;
  /** Pending ids the signed-in person may decide (`mayDecide`): what the badge counts. */
  decidableIds(): readonly string[];
  upsert(approval: InboxApproval): void;
  upsertMany(approvals: readonly InboxApproval[]): void;
  /** Parses journal data (`approval.requested` / `.decided` / `.closed`) and upserts it; ignores what does not parse. */
  applyEventData(data: unknown): void;
  /** Forgets an approval the person may no longer see (its card goes, and it leaves the pending ids). */
  remove(id: string): void;
  /** Every approval held now (no subscription): what a re-check walks. */
  all(): readonly InboxApproval[];
  clear(): void;
}

const sameDecision = (a: InboxApproval, b: InboxApproval) =>
  a.status === b.status &&
  a.decision?.decidedAt === b.decision?.decidedAt &&
  a.decision?.decision === b.decision?.decision &&
  a.decisions.length === b.decisions.length &&
  a.mayDecide === b.mayDecide;

/**
 * Journal events are the same for everyone, so they carry no `mayDecide`: the person's own answer
 * (from a REST load or their decision) stays until a newer one arrives.
 */
const keepViewerFields = (incoming: InboxApproval, existing: InboxApproval | undefined): InboxApproval =>
  incoming.mayDecide !== undefined || existing?.mayDecide === undefined
    ? incoming
    : { ...incoming, mayDecide: existing.mayDecide && incoming.status === 'pending', ...(existing.whyNot !== undefined ? { whyNot: existing.whyNot } : {}) };

const setIfChanged = (store: ReturnType<typeof createKeyedStore<readonly string[]>>, next: readonly string[]) => {
  const current = store.get('');
  if (current.length !== next.length || current.some((id, i) => id !== next[i])) store.set('', next.length === 0 ? NO_IDS : next);
};

export function createApprovalsStore(): ApprovalsStore {
  const byId = createKeyedStore<InboxApproval | undefined>(undefined);
  const pending = createKeyedStore<readonly string[]>(NO_IDS);
  const decidable = createKeyedStore<readonly string[]>(NO_IDS);
  const all = new Map<string, InboxApproval>();

  const publishPending = () => {
    const next = [...all.values()]
      .filter((a) => a.status === 'pending')
      .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : a.id < b.id ? 1 : -1))
      .map((a) => a.id);
    setIfChanged(pending, next);
    setIfChanged(
      decidable,
      next.filter((id) => all.get(id)?.mayDecide !== false),
    );
  };

  const put = (incoming: InboxApproval): boolean => {
    const existing = all.get(incoming.id);
    const approval = keepViewerFields(incoming, existing);
    if (existing !== undefined) {
      if (existing.status !== 'pending' && approval.status === 'pending') return false;
      if (sameDecision(existing, approval)) return false;
    }
    all.set(approval.id, approval);
    byId.set(approval.id, approval);
    return true;
  };

  const store: ApprovalsStore = {
    get: (id) => byId.get(id),
    subscribe: (id, listener) => byId.subscribe(id, listener),
    pendingIds: () => pending.get(''),
    subscribePending: (listener) => {
      const a = pending.subscribe('', listener);
      const b = decidable.subscribe('', listener);
      return () => {
        a();
        b();
      };
    },
    decidableIds: () => decidable.get(''),
    upsert(approval) {
      if (put(approval)) publishPending();
    },
    upsertMany(approvals) {
      let changed = false;
      for (const approval of approvals) changed = put(approval) || changed;
      if (changed) publishPending();
    },
    applyEventData(data) {
      const parsed = InboxApproval.safeParse(data);
      if (parsed.success) store.upsert(parsed.data);
    },
    remove(id) {
      if (!all.delete(id)) return;
      byId.delete(id);
      publishPending();
    },
    all: () => [...all.values()],
    clear() {
      for (const id of [...all.keys()]) byId.delete(id);
      all.clear();
      pending.set('', NO_IDS);
      decidable.set('', NO_IDS);
    },
  };
  return store;
}

/** The app's one approvals store; tests call `approvalsStore.clear()`. */
export const approvalsStore = createApprovalsStore();

/** The live version of `approval` (what any decision anywhere made of it), or `approval` itself. */
export function useLiveApproval(approval: InboxApproval): InboxApproval {
  const subscribe = useCallback((listener: () => void) => approvalsStore.subscribe(approval.id, listener), [approval.id]);
  const live = useSyncExternalStore(
    subscribe,
    () => approvalsStore.get(approval.id),
    () => approvalsStore.get(approval.id),
  );
  if (live === undefined) return approval;
  // The prop may be newer (a fresh REST load the store has not seen): a decision wins over pending.
  return live.status === 'pending' && approval.status !== 'pending' ? approval : live;
}

/** Pending approvals the signed-in person may decide (a list loaded without `mayDecide` counts them all). */
export function useDecidableApprovalIds(): readonly string[] {
  return useSyncExternalStore(approvalsStore.subscribePending, approvalsStore.decidableIds, approvalsStore.decidableIds);
}

export function usePendingApprovalIds(): readonly string[] {
  return useSyncExternalStore(approvalsStore.subscribePending, approvalsStore.pendingIds, approvalsStore.pendingIds);
}
