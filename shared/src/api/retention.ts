import { z } from 'zod';

/** Rows deleted, by table (`events`, `step_runs`, `executions`, …). */
export const RetentionRowCounts = z.record(z.string(), z.number().int().min(0));
export type RetentionRowCounts = z.infer<typeof RetentionRowCounts>;

/** What one retention run did (`GET /api/retention`). */
export const RetentionRun = z.object({
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Executions pruned because they were older than `days`, and because more than `maxExecutions` were kept. */
  prunedExecutions: z.object({ byAge: z.number().int(), byCount: z.number().int() }),
  /** Journal topics whose history was compacted in this run, and the events removed that way. */
  compactedTopics: z.number().int(),
  rows: RetentionRowCounts,
  /** Transactions this run committed, and the most rows any one of them deleted (never above `batchRows`). */
  transactions: z.number().int(),
  maxRowsPerTransaction: z.number().int(),
  /** The longest of those transactions (or `incremental_vacuum` steps), in ms: how long retention held the event loop at once. */
  maxTransactionMs: z.number(),
  /**
   * The same without the COMMIT: the deletes themselves. A COMMIT waits for the WAL's fsync
   * (synchronous=FULL) and may restart the WAL (db/checkpointer.ts), as any write's does.
   */
  maxWorkMs: z.number(),
  /** Pages returned to the file system by `PRAGMA incremental_vacuum` after the run. */
  vacuumedPages: z.number().int(),
});
export type RetentionRun = z.infer<typeof RetentionRun>;

export const RetentionReport = z.object({
  settings: z.object({
    days: z.number().int(),
    maxExecutions: z.number().int().nullable(),
    intervalMs: z.number().int(),
    compactAfterHours: z.number(),
    batchRows: z.number().int(),
  }),
  /** Null until the first run since the database was created. */
  lastRun: RetentionRun.nullable(),
  /** Since the database was created: executions pruned, topics compacted, rows deleted by table. */
  totals: z.object({ executions: z.number().int(), compactedTopics: z.number().int(), rows: RetentionRowCounts }),
  /** The database file: `auto_vacuum` mode (`incremental` or `none`), its pages and free pages. */
  database: z.object({ autoVacuum: z.string(), pageSize: z.number().int(), pages: z.number().int(), freePages: z.number().int() }),
});
export type RetentionReport = z.infer<typeof RetentionReport>;
