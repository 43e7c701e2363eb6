import type { WorkflowDefinition, WorkflowResponse, WorkflowVersionSummary } from '@weft/shared';
import { validateDefinition } from './validate-definition';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import { systemClock, type Clock } from '../clock';
import { createWorkflowsRepository, type VersionRow, type WorkflowRow } from './workflows-repository';
import type { AuditLog } from '../audit/audit-log';
import { boundedDefinition } from '../audit/bounded';

function toResponse(row: WorkflowRow, version: VersionRow): WorkflowResponse {
  return {
    id: row.id,
    version: version.version,
    definition: JSON.parse(version.definition) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: version.created_at,
  };
}

/** A save-time check of a valid definition: each issue names the path it is about. */
export type SaveCheck = (definition: WorkflowDefinition) => { path: string; message: string; code?: string }[];

export function assertValidDefinition(definition: unknown): WorkflowDefinition {
  const result = validateDefinition(definition);
  if (!result.ok) {
    const first = result.errors[0];
    throw new AppError(422, 'invalid_definition', `workflow definition is invalid: ${first ? `${first.path}: ${first.message}` : 'unknown error'}`, {
      errors: result.errors,
    });
  }
  return result.definition;
}

/**
 * The workflow operations behind both the REST routes and the workflow tools, so there is one
 * implementation of each rule (versioning, optimistic concurrency, soft delete).
 */
export function createWorkflowsService({ db, clock = systemClock, audit }: { db: Db; clock?: Clock; audit?: AuditLog }) {
  const repo = createWorkflowsRepository(db);
  /** Inside the change's transaction (see audit-log.ts): who acts comes from `audit.actingAs`. */
  const record = (action: string, id: string, details: Record<string, unknown>) =>
    audit?.record({ actor: audit.actor(), action, target: { kind: 'workflow', id }, details });
  /** An entry's view of a version: its number and its definition, bounded. */
  const versionDetails = (id: string, version: number) => {
    const v = repo.getVersion(id, version);
    return { version, definition: v ? boundedDefinition(JSON.parse(v.definition)) : null };
  };
  const saveChecks: SaveCheck[] = [];
  const checkDefinition = (definition: WorkflowDefinition) => saveChecks.flatMap((check) => check(definition));
  const assertSavable = (definition: unknown): WorkflowDefinition => {
    const valid = assertValidDefinition(definition);
    const issues = checkDefinition(valid);
    if (issues.length > 0) {
      const first = issues[0]!;
      throw new AppError(422, 'invalid_definition', `workflow definition is invalid: ${first.path}: ${first.message}`, { errors: issues });
    }
    return valid;
  };

  const requireWorkflow = (id: string) => {
    const row = repo.get(id);
    if (!row) throw notFound(`workflow ${id}`);
    return row;
  };
  const latest = (row: WorkflowRow) => toResponse(row, repo.getVersion(row.id, row.latest_version)!);

  return {
    repo,
    /**
     * Adds a save-time check of a valid definition; its issues make a 422. The integrations
     * capability adds its own (tool arguments against connected integrations): it is built after
     * this service, which it needs, so the check cannot be a constructor argument.
     */
    addSaveCheck(check: SaveCheck): void {
      saveChecks.push(check);
    },
    validate(definition: unknown) {
      const result = validateDefinition(definition);
      if (!result.ok) return { ok: false, errors: result.errors };
      const issues = checkDefinition(result.definition);
      return issues.length === 0 ? { ok: true, errors: [] } : { ok: false, errors: issues };
    },

    /**
     * `inTransaction` lets callers (triggers) write alongside the version atomically; `imported`
     * names the audit entry. `savedBy`, on every save: the id of the person saving (null only for a
     * system save such as provisioning).
     */
    create({
      definition,
      savedBy,
      inTransaction,
      imported = false,
    }: {
      definition: unknown;
      savedBy: string | null;
      inTransaction?: (workflowId: string) => void;
      imported?: boolean;
    }): WorkflowResponse {
      const valid = assertSavable(definition);
      const id = newId('wf');
      const now = clock.now().toISOString();
      db.transaction(() => {
        repo.insertWorkflow({ id, name: valid.name, definition: valid, now, savedBy });
        inTransaction?.(id);
        record(imported ? 'workflow.imported' : 'workflow.created', id, { name: valid.name, after: versionDetails(id, 1) });
      })();
      return latest(repo.get(id)!);
    },

    get(id: string): WorkflowResponse {
      return latest(requireWorkflow(id));
    },

    list(): WorkflowResponse[] {
      return repo.list().map(latest);
    },

    update({
      id,
      definition,
      baseVersion,
      savedBy,
      inTransaction,
    }: {
      id: string;
      definition: unknown;
      baseVersion: number;
      savedBy: string | null;
      inTransaction?: (workflowId: string) => void;
    }): WorkflowResponse {
      const valid = assertSavable(definition);
      const now = clock.now().toISOString();
      db.transaction(() => {
        const row = requireWorkflow(id);
        if (row.latest_version !== baseVersion) {
          throw new AppError(409, 'version_conflict', `baseVersion ${baseVersion} is stale: the latest version is ${row.latest_version}`, {
            currentVersion: row.latest_version,
          });
        }
        const ok = repo.appendVersion({
          id,
          version: baseVersion + 1,
          name: valid.name,
          definition: valid,
          source: 'update',
          rolledBackFrom: null,
          now,
          savedBy,
        });
        if (!ok) throw new AppError(409, 'version_conflict', 'the workflow changed concurrently; reload and retry');
        inTransaction?.(id);
        record('workflow.updated', id, { name: valid.name, before: versionDetails(id, baseVersion), after: versionDetails(id, baseVersion + 1) });
      }).immediate();
      return latest(repo.get(id)!);
    },

    /** Rollback never rewrites history: it appends a new version equal to the chosen one. */
    rollback({ id, version, savedBy }: { id: string; version: number; savedBy: string | null }): WorkflowResponse {
      const now = clock.now().toISOString();
      db.transaction(() => {
        const row = requireWorkflow(id);
        const target = repo.getVersion(id, version);
        if (!target) throw notFound(`version ${version} of workflow ${id}`);
        const definition = JSON.parse(target.definition) as WorkflowDefinition;
        repo.appendVersion({
          id,
          version: row.latest_version + 1,
          name: definition.name,
          definition,
          source: 'rollback',
          rolledBackFrom: version,
          now,
          savedBy,
        });
        record('workflow.rolled_back', id, { name: definition.name, fromVersion: row.latest_version, toVersion: version, newVersion: row.latest_version + 1 });
      }).immediate();
      return latest(repo.get(id)!);
    },

    listVersions(id: string): WorkflowVersionSummary[] {
      requireWorkflow(id);
      return repo.listVersions(id).map((v) => ({
        version: v.version,
        createdAt: v.created_at,
        name: (JSON.parse(v.definition) as WorkflowDefinition).name,
        source: v.source,
        rolledBackFrom: v.rolled_back_from,
        savedBy: v.saved_by,
      }));
    },

    /** The version a run would use (`version`, or the latest), without reading its definition: 404 when there is none. */
    pin(id: string, version?: number): { id: string; version: number } {
      const row = requireWorkflow(id);
      if (version === undefined) return { id, version: row.latest_version };
      if (version < 1 || version > row.latest_version) throw notFound(`version ${version} of workflow ${id}`);
      return { id, version };
    },

    /** Version `version` of a workflow that exists (else 404 for the workflow), or null when there is no such version. */
    findVersion(id: string, version: number): WorkflowResponse | null {
      const row = requireWorkflow(id);
      const v = repo.getVersion(id, version);
      return v ? toResponse(row, v) : null;
    },

    getVersion(id: string, version: number): WorkflowResponse {
      const row = requireWorkflow(id);
      const v = repo.getVersion(id, version);
      if (!v) throw notFound(`version ${version} of workflow ${id}`);
      return toResponse(row, v);
    },

    /** Soft delete: the history stays for executions that point at it. */
    remove(id: string): void {
      db.transaction(() => {
        const row = repo.get(id);
        if (!row || !repo.softDelete(id, clock.now().toISOString())) throw notFound(`workflow ${id}`);
        record('workflow.deleted', id, { name: row.name, version: row.latest_version });
      })();
    },
  };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;
