import type { SqlDatabase } from '../../src/db/store';

/**
 * Ends `victim`'s PostgreSQL session from `admin`'s, as a restart or an idle kill would, and waits
 * (blocking, so it can run inside a transaction's function) until PostgreSQL has let it go: the
 * victim's next statement meets the loss.
 */
export function endSessionNow(victim: SqlDatabase, admin: SqlDatabase): void {
  const pid = victim.prepare<[], number>('SELECT pg_backend_pid()').pluck().get()!;
  admin.prepare('SELECT pg_terminate_backend(?)').get(pid);
  const alive = admin.prepare<[number], number>('SELECT COUNT(*)::int FROM pg_stat_activity WHERE pid = ?').pluck();
  for (let i = 0; i < 500 && alive.get(pid)! > 0; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
}
