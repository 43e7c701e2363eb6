import { useSyncExternalStore } from 'react';

/**
 * Whether the browser holds a valid session cookie. `unknown` until the first
 * API answer; any 401 flips it to `signed-out`, which shows the sign-in page.
 */
export type AuthStatus = 'unknown' | 'signed-in' | 'signed-out';

type Listener = () => void;

export interface AuthStore {
  getStatus(): AuthStatus;
  setStatus(status: AuthStatus): void;
  subscribe(listener: Listener): () => void;
}

export function createAuthStore(initial: AuthStatus = 'unknown'): AuthStore {
  let status = initial;
  const listeners = new Set<Listener>();
  return {
    getStatus: () => status,
    setStatus(next) {
      if (next === status) return;
      status = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The app's one auth store; tests reset it with `authStore.setStatus('unknown')`. */
export const authStore = createAuthStore();

export function useAuthStatus(store: AuthStore = authStore): AuthStatus {
  return useSyncExternalStore(store.subscribe, store.getStatus, store.getStatus);
}
