import os from 'node:os';
import type { Db } from '../db/open';
import { newId } from '../db/ids';

/** A server not seen for this long is gone (it refreshes its row every second: engine/cluster-wakeups.ts). */
export const SERVER_GONE_AFTER_MS = 10_000;
/** Rows refreshed at most this often, however often `beat` is called. */
const BEAT_MS = 1_000;
/** Rows of servers gone this long are deleted. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

/** Server ids running in this process now (tests run several servers in one process). */
const runningHere = new Set<string>();

type ServerRow = { id: string; host: string; pid: number; seen_at: number };

/** Whether process `pid` on this host still runs (EPERM: it does, as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This server process's row in `servers` (migration 027), and who else is alive. The row is
 * written at start, refreshed every second (`beat`) and deleted at a clean stop. Seen-at
 * times are wall-clock milliseconds (not the injectable clock: they are compared across processes).
 *
 * The row's refresh runs on its own timer on PostgreSQL (engine/cluster-wakeups.ts), not on the
 * engine tick, whose period an operator may lengthen.
 *
 * A holder recorded on a row (a held tool call's `held_by`) is gone when it has no row (it stopped,
 * or predates migration 027), when it was not seen for SERVER_GONE_AFTER_MS, or when it is this
 * process's predecessor: same host and a pid that no longer runs, or this very pid without being
 * one of the servers running in this process (a container restarted as pid 1 again).
 */
export function createServerLiveness({ db, now = () => Date.now() }: { db: Db; now?: () => number }) {
  const id = newId('srv');
  const host = os.hostname();
  const s = {
    insert: db.prepare('INSERT INTO servers (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)'),
    seen: db.prepare('UPDATE servers SET seen_at = ? WHERE id = ?'),
    // Deleted by someone else (a server that judged it gone after a long pause): written again.
    ensure: db.prepare(
      'INSERT INTO servers (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at',
    ),
    get: db.prepare<[string], ServerRow>('SELECT id, host, pid, seen_at FROM servers WHERE id = ?'),
    forget: db.prepare('DELETE FROM servers WHERE seen_at < ?'),
    remove: db.prepare('DELETE FROM servers WHERE id = ?'),
  };
  const startedAt = new Date(now()).toISOString();
  s.insert.run(id, host, process.pid, startedAt, now());
  // Rows of servers that died without a clean stop (on SQLite nothing refreshes rows: its own goes at its stop).
  s.forget.run(now() - FORGET_AFTER_MS);
  runningHere.add(id);
  let lastBeat = now();

  return {
    /** This server process's id (`servers.id`, `tool_approvals.held_by`). */
    id,
    /** Refreshes this server's row, at most every BEAT_MS; old rows of gone servers are deleted. */
    beat(): void {
      const at = now();
      if (at - lastBeat < BEAT_MS) return;
      lastBeat = at;
      if (s.seen.run(at, id).changes === 0) s.ensure.run(id, host, process.pid, startedAt, at);
      s.forget.run(at - FORGET_AFTER_MS);
    },
    /** Whether the server recorded as `holder` is gone (see above); this server never is. */
    isGone(holder: string | null): boolean {
      if (holder === id) return false;
      if (holder === null) return true;
      const row = s.get.get(holder);
      if (!row) return true;
      if (row.seen_at < now() - SERVER_GONE_AFTER_MS) return true;
      if (row.host !== host) return false;
      if (row.pid === process.pid) return !runningHere.has(holder);
      return !processRuns(row.pid);
    },
    /** A clean stop: the row goes (what it held is then gone at once for the others). */
    close(): void {
      runningHere.delete(id);
      try {
        s.remove.run(id);
      } catch {
        /* the database is going away too: the row ages out */
      }
    },
  };
}

export type ServerLiveness = ReturnType<typeof createServerLiveness>;
