import type { Db } from '../db/open';

export type WorkflowRow = {
  id: string;
  name: string;
  latest_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
};

export type VersionRow = {
  workflow_id: string;
  version: number;
  definition: string;
  source: 'create' | 'update' | 'rollback';
  rolled_back_from: number | null;
  created_at: string;
  /** The id of the person who saved it; NULL before people existed or for a system save (provisioning). */
  saved_by: string | null;
};

/** Plain reads and writes over the workflow tables; a missing row is `null` and callers decide the 404. */
export function createWorkflowsRepository(db: Db) {
  const stmts = {
    get: db.prepare<[string], WorkflowRow>('SELECT * FROM workflows WHERE id = ? AND deleted_at IS NULL'),
    list: db.prepare<[], WorkflowRow>('SELECT * FROM workflows WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC'),
    insert: db.prepare('INSERT INTO workflows (id, name, latest_version, created_at, updated_at) VALUES (@id, @name, 1, @now, @now)'),
    bump: db.prepare('UPDATE workflows SET name = @name, latest_version = @version, updated_at = @now WHERE id = @id AND latest_version = @version - 1'),
    softDelete: db.prepare('UPDATE workflows SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL'),
    insertVersion: db.prepare(
      `INSERT INTO workflow_versions (workflow_id, version, definition, source, rolled_back_from, created_at, saved_by)
       VALUES (@workflowId, @version, @definition, @source, @rolledBackFrom, @now, @savedBy)`,
    ),
    getVersion: db.prepare<[string, number], VersionRow>('SELECT * FROM workflow_versions WHERE workflow_id = ? AND version = ?'),
    listVersions: db.prepare<[string], VersionRow>('SELECT * FROM workflow_versions WHERE workflow_id = ? ORDER BY version DESC'),
  };

  return {
    get: (id: string): WorkflowRow | null => stmts.get.get(id) ?? null,
    list: (): WorkflowRow[] => stmts.list.all(),
    getVersion: (id: string, version: number): VersionRow | null => stmts.getVersion.get(id, version) ?? null,
    listVersions: (id: string): VersionRow[] => stmts.listVersions.all(id),
    insertWorkflow(input: { id: string; name: string; definition: unknown; now: string; savedBy: string | null }) {
      stmts.insert.run({ id: input.id, name: input.name, now: input.now });
      stmts.insertVersion.run({
        workflowId: input.id,
        version: 1,
        definition: JSON.stringify(input.definition),
        source: 'create',
        rolledBackFrom: null,
        now: input.now,
        savedBy: input.savedBy,
      });
    },
    /** Appends version N+1; false when another writer got there first (the caller answers 409). */
    appendVersion(input: {
      id: string;
      version: number;
      name: string;
      definition: unknown;
      source: 'update' | 'rollback';
      rolledBackFrom: number | null;
      now: string;
      savedBy: string | null;
    }): boolean {
      const changed = stmts.bump.run({ id: input.id, name: input.name, version: input.version, now: input.now }).changes;
      if (changed !== 1) return false;
      stmts.insertVersion.run({
        workflowId: input.id,
        version: input.version,
        definition: JSON.stringify(input.definition),
        source: input.source,
        rolledBackFrom: input.rolledBackFrom,
        now: input.now,
        savedBy: input.savedBy,
      });
      return true;
    },
    softDelete: (id: string, now: string): boolean => stmts.softDelete.run(now, id).changes === 1,
  };
}

export type WorkflowsRepository = ReturnType<typeof createWorkflowsRepository>;
