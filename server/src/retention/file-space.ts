import { performance } from 'node:perf_hooks';
import { asSqlite, type Db } from '../db/open';
import { storeKind } from '../db/store';

/** Pages given back per `incremental_vacuum` step (its own small transaction): 1 MiB with 4 KiB pages. */
const VACUUM_STEP_PAGES = 256;

const AUTO_VACUUM_MODES = ['none', 'full', 'incremental'] as const;

export type FileSpace = {
  stats(): { autoVacuum: string; pageSize: number; pages: number; freePages: number };
  release(opts: { isBusy: () => boolean; yieldToLoop: () => Promise<void>; stopped: () => boolean }): Promise<{ pages: number; maxStepMs: number }>;
};

/**
 * The database file's free space. Pages freed by deletes go to SQLite's free list and are reused
 * by later inserts, so under a steady load the file stops growing even without this; with
 * `auto_vacuum = INCREMENTAL` (set on new databases, see db/auto-vacuum.ts) `release` also hands
 * them back to the file system after a retention run, so the file shrinks after a burst.
 */
export function createFileSpace(store: Db): FileSpace {
  if (storeKind(store) === 'postgres') return postgresSpace(store);
  const db = asSqlite(store, 'file space');
  const pragma = (name: string): number => Number(db.pragma(name, { simple: true }));
  return {
    stats() {
      return {
        autoVacuum: AUTO_VACUUM_MODES[pragma('auto_vacuum')] ?? 'unknown',
        pageSize: pragma('page_size'),
        pages: pragma('page_count'),
        freePages: pragma('freelist_count'),
      };
    },
    /**
     * Gives free pages back in small steps, yielding between them; skips a step while another
     * write holds the connection's transaction (group commit). The pages released, and the
     * longest step in ms.
     */
    async release({
      isBusy,
      yieldToLoop,
      stopped,
    }: {
      isBusy: () => boolean;
      yieldToLoop: () => Promise<void>;
      stopped: () => boolean;
    }): Promise<{ pages: number; maxStepMs: number }> {
      let released = 0;
      let maxStepMs = 0;
      if (pragma('auto_vacuum') !== 2) return { pages: 0, maxStepMs };
      for (let tries = 0; tries < 10_000 && !stopped(); tries++) {
        const free = pragma('freelist_count');
        if (free === 0) break;
        if (!isBusy()) {
          const began = performance.now();
          db.pragma(`incremental_vacuum(${Math.min(free, VACUUM_STEP_PAGES)})`);
          maxStepMs = Math.max(maxStepMs, performance.now() - began);
          released += free - pragma('freelist_count');
        }
        await yieldToLoop();
      }
      return { pages: released, maxStepMs };
    },
  };
}

/**
 * On PostgreSQL the server owns no file: its autovacuum reuses freed space, so `release` is skipped
 * (0 pages) and `stats` reports the database's size in blocks, `autoVacuum: 'postgres'`.
 */
function postgresSpace(db: Db): FileSpace {
  const size = db.prepare<[], { block: number; bytes: number }>(
    "SELECT current_setting('block_size')::bigint AS block, pg_database_size(current_database()) AS bytes",
  );
  return {
    stats() {
      const { block, bytes } = size.get()!;
      return { autoVacuum: 'postgres', pageSize: block, pages: Math.ceil(bytes / block), freePages: 0 };
    },
    release: async () => ({ pages: 0, maxStepMs: 0 }),
  };
}
