import type { LeaseGrant, RunnerEvent } from '@weft/shared';
import type { Db } from '../db/open';

/** Most bytes of one checkpoint's state (JSON) kept; a bigger one is dropped, and the step's log says so. */
export const MAX_CHECKPOINT_BYTES = 4 * 1024 * 1024;

type Checkpoint = Extract<RunnerEvent, { type: 'step.checkpoint' }>;
type Snapshot = Extract<RunnerEvent, { type: 'workspace.snapshot' }>;

/**
 * What a new lease needs to go on where the last one stopped (migration 023): the latest checkpoint
 * of each unfinished step instance and the latest snapshot of each workspace. Writes run inside the
 * ingest transaction of the events that carry them; nothing here is journaled (browsers never see it).
 */
export function createStepState(db: Db) {
  const s = {
    saveCheckpoint: db.prepare(
      `INSERT INTO step_checkpoints (execution_id, step_id, iteration_path, attempt, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (execution_id, step_id, iteration_path) DO UPDATE SET attempt = excluded.attempt, state = excluded.state, updated_at = excluded.updated_at`,
    ),
    dropCheckpoint: db.prepare('DELETE FROM step_checkpoints WHERE execution_id = ? AND step_id = ? AND iteration_path = ?'),
    dropCheckpoints: db.prepare('DELETE FROM step_checkpoints WHERE execution_id = ?'),
    hasCheckpoints: db.prepare<[string], number>('SELECT 1 FROM step_checkpoints WHERE execution_id = ? LIMIT 1').pluck(),
    checkpoints: db.prepare<[string], { step_id: string; iteration_path: string; attempt: number; state: string }>(
      'SELECT step_id, iteration_path, attempt, state FROM step_checkpoints WHERE execution_id = ? ORDER BY step_id, iteration_path',
    ),
    saveSnapshot: db.prepare(
      `INSERT INTO execution_workspaces (execution_id, key, base_commit, changed_files, diff, step_id, iteration_path, attempt, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (execution_id, key) DO UPDATE SET base_commit = excluded.base_commit, changed_files = excluded.changed_files, diff = excluded.diff,
         step_id = excluded.step_id, iteration_path = excluded.iteration_path, attempt = excluded.attempt, updated_at = excluded.updated_at`,
    ),
    workspaces: db.prepare<[string], { key: string; base_commit: string | null; changed_files: string; diff: string | null }>(
      'SELECT key, base_commit, changed_files, diff FROM execution_workspaces WHERE execution_id = ? ORDER BY key',
    ),
  };

  return {
    /** Stores the step instance's latest checkpoint; false (nothing stored) when its state is over the cap. */
    saveCheckpoint(executionId: string, e: Checkpoint, at: string): { stored: true } | { stored: false; bytes: number } {
      const state = JSON.stringify(e.state ?? null);
      const bytes = Buffer.byteLength(state);
      if (bytes > MAX_CHECKPOINT_BYTES) return { stored: false, bytes };
      s.saveCheckpoint.run(executionId, e.stepId, e.iterationPath, e.attempt, state, at);
      return { stored: true };
    },
    /** The step instance finished (not a failure that is retried): a later run of it starts afresh. */
    dropCheckpoint(executionId: string, step: { stepId: string; iterationPath: string }) {
      s.dropCheckpoint.run(executionId, step.stepId, step.iterationPath);
    },
    /** Whether any step instance of the execution has a checkpoint stored. */
    hasCheckpoints(executionId: string): boolean {
      return s.hasCheckpoints.get(executionId) !== undefined;
    },
    /** The execution ended: nothing of it resumes any more. */
    dropCheckpoints(executionId: string) {
      s.dropCheckpoints.run(executionId);
    },
    saveSnapshot(executionId: string, e: Snapshot, at: string) {
      s.saveSnapshot.run(executionId, e.key, e.baseCommit, JSON.stringify(e.changedFiles), e.diff, e.stepId, e.iterationPath, e.attempt, at);
    },
    checkpointsOf(executionId: string): LeaseGrant['checkpoints'] {
      return s.checkpoints
        .all(executionId)
        .map((r) => ({ stepId: r.step_id, iterationPath: r.iteration_path, attempt: r.attempt, state: JSON.parse(r.state) as unknown }));
    },
    workspacesOf(executionId: string): LeaseGrant['workspaces'] {
      return s.workspaces
        .all(executionId)
        .map((r) => ({ key: r.key, baseCommit: r.base_commit, changedFiles: JSON.parse(r.changed_files) as string[], diff: r.diff }));
    },
  };
}

export type StepState = ReturnType<typeof createStepState>;
