/**
 * A map whose readers subscribe to one key: `set` notifies only that key's
 * listeners, so a component reading key `a` never re-renders because of `b`.
 * Values are compared with `Object.is`; callers keep snapshots immutable.
 */
export interface KeyedStore<V> {
  get(key: string): V;
  set(key: string, value: V): void;
  /** Restores `key` to the fallback value. */
  delete(key: string): void;
  keys(): IterableIterator<string>;
  subscribe(key: string, listener: () => void): () => void;
}

export function createKeyedStore<V>(fallback: V): KeyedStore<V> {
  const values = new Map<string, V>();
  const listeners = new Map<string, Set<() => void>>();

  const notify = (key: string): void => {
    const set = listeners.get(key);
    if (set === undefined) return;
    // Copy: a listener may unsubscribe while we iterate.
    for (const listener of [...set]) listener();
  };

  return {
    get: (key) => (values.has(key) ? (values.get(key) as V) : fallback),
    set(key, value) {
      const previous = values.has(key) ? values.get(key) : fallback;
      if (Object.is(previous, value)) return;
      if (Object.is(value, fallback)) values.delete(key);
      else values.set(key, value);
      notify(key);
    },
    delete(key) {
      if (!values.has(key)) return;
      values.delete(key);
      notify(key);
    },
    keys: () => values.keys(),
    subscribe(key, listener) {
      let set = listeners.get(key);
      if (set === undefined) {
        set = new Set();
        listeners.set(key, set);
      }
      set.add(listener);
      return () => {
        const current = listeners.get(key);
        if (current === undefined) return;
        current.delete(listener);
        if (current.size === 0) listeners.delete(key);
      };
    },
  };
}
