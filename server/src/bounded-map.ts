/** Sets `key` in `map`, which holds at most `limit` entries (the oldest forgotten first); returns `value`. */
export function rememberBounded<K, V>(map: Map<K, V>, key: K, value: V, limit: number): V {
  if (map.size >= limit && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
  return value;
}

/** `lookup`, asked once per key while its answer is remembered (at most `limit` answers, the oldest forgotten first). */
export function memoBounded<K, V>(limit: number, lookup: (key: K) => V): (key: K) => V {
  const answers = new Map<K, V>();
  return (key) => (answers.has(key) ? (answers.get(key) as V) : rememberBounded(answers, key, lookup(key), limit));
}
