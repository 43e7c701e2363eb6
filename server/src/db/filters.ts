/**
 * The WHERE clause of a list query built from optional filters: each filter the caller gave adds
 * its condition and its bound values, so no value is ever spliced into the SQL text.
 */
export function filters() {
  const conditions: string[] = [];
  const params: unknown[] = [];
  return {
    params,
    /** Adds `condition` (with `?` for each of `values`) when `when` is truthy. */
    add(when: unknown, condition: string, ...values: unknown[]): void {
      if (!when) return;
      conditions.push(condition);
      params.push(...values);
    },
    where: (): string => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''),
  };
}
