import {
  deepEqual,
  FIX_ANSWER_JSON_SCHEMA,
  FixContext,
  fixRerunFromStep,
  isFixableExecution,
  WORKFLOWS_TOPIC,
  type ExecutionFix,
  type ExecutionSummary,
  type ModelProvider,
  type WorkflowDefinition,
} from '@weft/shared';
import { actorOf, type AuditLog } from '../audit/audit-log';
import type { UserPrincipal } from '../auth/principal';
import type { Clock } from '../clock';
import { newId } from '../db/ids';
import type { Db } from '../db/open';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import { askForJsonAnswer } from '../model/json-answer-loop';
import type { RunExplainer } from '../tools/explain-tool';
import { scopeOfTool } from '../tools/tool-scopes';
import type { ProposalsService } from '../workflows/proposals-service';
import type { WorkflowsService } from '../workflows/workflows-service';
import { checkFixAnswer } from './fix-answer';
import { buildFixContext } from './fix-context';
import { buildFixPrompt } from './fix-prompt';
import { isStorageError } from '../db/storage-errors';

/** At most this many model turns per fix: an invalid answer goes back with its errors (as drafting does). */
export const MAX_FIX_ATTEMPTS = 3;

type FixRow = {
  id: string;
  execution_id: string;
  workflow_id: string;
  workflow_version: number;
  session_id: string | null;
  /** Stored for `diagnosing` versus done; what a fix reads is derived (statusOf). */
  status: ExecutionFix['status'];
  provider: string;
  context: string;
  diagnosis: string | null;
  summary: string | null;
  proposal_id: string | null;
  applied_version: number | null;
  rerun_from_step_id: string | null;
  rerun_execution_id: string | null;
  error: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** The re-run's status, joined at read time (null: no re-run, or it was pruned). */
  rerun_status: string | null;
  /** The proposal's status, joined at read time. */
  proposal_status: ExecutionFix['proposalStatus'];
};

/**
 * A model's diagnosis costs model calls and stores a proposal: it needs the scope drafting needs
 * (tool-scopes.ts). Without it a fix is context only, as offline.
 */
const DIAGNOSIS_SCOPE = scopeOfTool({ name: 'workflows:draft_workflow', effect: 'write' });
export const NO_DIAGNOSIS_SCOPE = `a diagnosis by the model needs the ${DIAGNOSIS_SCOPE} permission (it costs model calls and proposes a change): ask someone who may change workflows`;

/** A re-run retention has deleted since: its status reads `pruned`. */
const PRUNED = 'pruned';

/**
 * The status from what the fix holds, so it only moves forward whatever order apply and re-run come
 * in: `diagnosing` (stored) while the model answers, then the furthest of rerun, applied, proposed, diagnosed.
 */
function statusOf(r: FixRow): ExecutionFix['status'] {
  if (r.status === 'diagnosing') return 'diagnosing';
  if (r.rerun_execution_id !== null) return 'rerun';
  if (r.applied_version !== null) return 'applied';
  return r.proposal_id !== null ? 'proposed' : 'diagnosed';
}

const toFix = (r: FixRow, rerunStatus?: string): ExecutionFix => ({
  id: r.id,
  executionId: r.execution_id,
  workflowId: r.workflow_id,
  workflowVersion: r.workflow_version,
  sessionId: r.session_id,
  status: statusOf(r),
  provider: r.provider,
  context: FixContext.parse(JSON.parse(r.context)),
  diagnosis: r.diagnosis,
  summary: r.summary,
  proposalId: r.proposal_id,
  proposalStatus: r.proposal_id === null ? null : (r.proposal_status ?? null),
  appliedVersion: r.applied_version,
  rerunFromStepId: r.rerun_from_step_id,
  rerun: r.rerun_execution_id === null ? null : { executionId: r.rerun_execution_id, status: rerunStatus ?? r.rerun_status ?? PRUNED },
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Fixes of failed runs (issue 22 §3). A fix starts from the run's deterministic context; with a
 * model it is diagnosed (and maybe proposes a changed definition, stored as a workflow proposal).
 * Applying the proposal and re-running are each a person's own request. Every change journals
 * `fix.updated` on the workflows topic, and so does the end of a fix's re-run.
 */
export function createFixesService({
  db,
  journal,
  clock,
  executions,
  workflows,
  proposals,
  explainer,
  model,
  audit,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  executions: ExecutionsService;
  workflows: WorkflowsService;
  proposals: ProposalsService;
  explainer: RunExplainer;
  model: ModelProvider;
  audit: AuditLog;
}) {
  const SELECT =
    'SELECT f.*, r.status AS rerun_status, p.status AS proposal_status FROM execution_fixes f LEFT JOIN executions r ON r.id = f.rerun_execution_id LEFT JOIN workflow_proposals p ON p.id = f.proposal_id';
  const s = {
    insert: db.prepare(
      `INSERT INTO execution_fixes (id, execution_id, workflow_id, workflow_version, session_id, status, provider, context, error, created_by, created_at, updated_at)
       VALUES (@id, @executionId, @workflowId, @workflowVersion, @sessionId, @status, @provider, @context, @error, @createdBy, @now, @now)`,
    ),
    get: db.prepare<[string], FixRow>(`${SELECT} WHERE f.id = ?`),
    byExecution: db.prepare<[string], FixRow>(`${SELECT} WHERE f.execution_id = ? ORDER BY f.created_at DESC, f.id DESC`),
    byRerun: db.prepare<[string], FixRow>(`${SELECT} WHERE f.rerun_execution_id = ?`),
    byProposal: db.prepare<[string], FixRow>(`${SELECT} WHERE f.proposal_id = ?`),
    byVersion: db.prepare<[string], FixRow>(`${SELECT} WHERE f.workflow_id = ? AND f.applied_version IS NOT NULL`),
    diagnosed: db.prepare(
      "UPDATE execution_fixes SET status = @status, diagnosis = @diagnosis, summary = @summary, proposal_id = @proposalId, error = @error, updated_at = @now WHERE id = @id AND status = 'diagnosing'",
    ),
    applied: db.prepare('UPDATE execution_fixes SET applied_version = ?, updated_at = ? WHERE id = ?'),
    rerun: db.prepare('UPDATE execution_fixes SET rerun_from_step_id = ?, rerun_execution_id = ?, updated_at = ? WHERE id = ?'),
    diagnosing: db.prepare<[], { id: string }>("SELECT id FROM execution_fixes WHERE status = 'diagnosing'"),
  };

  const require = (id: string): FixRow => {
    const row = s.get.get(id);
    if (!row) throw notFound(`fix ${id}`);
    return row;
  };
  /** Inside the caller's transaction: the fix as it now is, journaled. */
  const publish = (id: string, rerunStatus?: string): ExecutionFix => {
    const fix = toFix(s.get.get(id)!, rerunStatus);
    journal.append(WORKFLOWS_TOPIC, 'fix.updated', fix);
    return fix;
  };
  /** The workflow's latest version, or null once it was deleted (the diagnosis is still worth having). */
  const latestOf = (workflowId: string): { version: number; definition: WorkflowDefinition } | null => {
    try {
      const w = workflows.get(workflowId);
      return { version: w.version, definition: w.definition as WorkflowDefinition };
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 404) return null;
      throw err;
    }
  };
  const record = (action: string, id: string, details: Record<string, unknown>) =>
    audit.record({ actor: audit.actor(), action, target: { kind: 'fix', id }, details });

  /** 409 `not_failed` unless the run failed, was canceled or was denied. */
  function fixable<T extends ExecutionSummary>(run: T): T {
    if (!isFixableExecution(run.status)) {
      throw new AppError(409, 'not_failed', `execution ${run.id} is ${run.status}: only a failed, canceled or denied run can be fixed`, {
        status: run.status,
      });
    }
    return run;
  }
  /** 404 for an unknown run (410 pruned), 409 `not_failed` unless it failed, was canceled or was denied; its steps are not read. */
  const assertFixable = (executionId: string): ExecutionSummary => fixable(executions.summary(executionId));

  // The card of a fix follows its re-run: when that run ends, the fix is journaled again with the end status.
  executions.onEnding((e) => {
    for (const row of s.byRerun.all(e.executionId)) journal.append(WORKFLOWS_TOPIC, 'fix.updated', toFix(row, e.status));
  });

  // A fix follows its proposal wherever it is reviewed or applied (the proposals routes, the
  // review/apply tools): applied elsewhere, the fix is applied with that version (and the history
  // links it); any other change is journaled so the card shows the proposal's status.
  // A fix's own Apply goes through here too: it reviews and applies the proposal like anyone.
  proposals.onChanged((p) => {
    for (const row of s.byProposal.all(p.id)) {
      if (p.status === 'applied' && p.appliedVersion !== null && row.applied_version !== p.appliedVersion) {
        s.applied.run(p.appliedVersion, clock.now().toISOString(), row.id);
      }
      if (row.status !== 'diagnosing') publish(row.id);
    }
  });

  return {
    assertFixable,
    /** The run `/fix` means without a name: the latest unsuccessful one of the chat, else of any (as `/why`). */
    latestUnsuccessful: (sessionId: string | undefined): string => explainer.latestUnsuccessful(sessionId),

    /**
     * A new fix of run `executionId` (404 unknown; 409 `not_failed` unless it failed, was canceled
     * or denied): its context, `diagnosing` with a model, `diagnosed` (context only) offline or
     * when `user` lacks the permission a diagnosis needs (its `error` says so).
     */
    create({ executionId, sessionId, user }: { executionId: string; sessionId: string | null; user: UserPrincipal }): ExecutionFix {
      // The run is read once, steps and all, and handed on to the context and the explainer.
      const run = fixable(executions.get(executionId));
      const context = buildFixContext({ executions, explainer, execution: run });
      const id = newId('fix');
      const withModel = model.kind !== 'offline';
      const mayDiagnose = !withModel || user.scopes.includes(DIAGNOSIS_SCOPE);
      return journal.transaction(() => {
        s.insert.run({
          id,
          executionId,
          workflowId: run.workflowId,
          workflowVersion: run.workflowVersion,
          sessionId,
          status: withModel && mayDiagnose ? 'diagnosing' : 'diagnosed',
          provider: model.kind,
          context: JSON.stringify(context),
          error: mayDiagnose ? null : NO_DIAGNOSIS_SCOPE,
          createdBy: user.id,
          now: clock.now().toISOString(),
        });
        // Made from a chat message, outside any request's `actingFor`: the person who typed it acts.
        audit.actingAs(actorOf(user), () =>
          record('fix.created', id, { executionId, workflowId: run.workflowId, version: run.workflowVersion, provider: model.kind }),
        );
        return publish(id);
      });
    },

    /**
     * The model's turn of a `diagnosing` fix: a diagnosis, and a proposal when it changed the
     * definition. A failed request or no valid answer in MAX_FIX_ATTEMPTS leaves it `diagnosed` with `error`.
     * Null when the fix is gone by the time the model answered (retention deleted its run meanwhile).
     */
    async diagnose(id: string, signal?: AbortSignal): Promise<ExecutionFix | null> {
      const row = require(id);
      if (row.status !== 'diagnosing') return toFix(row);
      const context = FixContext.parse(JSON.parse(row.context));
      const ran = executions.repo.definitionOf(row.workflow_id, row.workflow_version) as WorkflowDefinition;
      // The model changes the latest version (what applying builds on), shown next to the one that ran
      // when they differ; the proposal's base is that version, so a save during the answer is a 409 on apply.
      const latest = latestOf(row.workflow_id) ?? { version: row.workflow_version, definition: ran };
      const definition = latest.definition;
      const { system, firstMessage } = buildFixPrompt({
        context,
        definition: ran,
        latest: latest.version === row.workflow_version ? undefined : latest,
      });
      const outcome: { diagnosis: string | null; summary: string | null; proposed: WorkflowDefinition | null; error: string | null } = {
        diagnosis: null,
        summary: null,
        proposed: null,
        error: null,
      };
      try {
        const answer = await askForJsonAnswer({
          model,
          system,
          firstMessage,
          schema: FIX_ANSWER_JSON_SCHEMA as unknown as Record<string, unknown>,
          check: checkFixAnswer,
          maxAttempts: MAX_FIX_ATTEMPTS,
          signal,
        });
        if (answer.ok) {
          outcome.diagnosis = answer.result.diagnosis;
          outcome.summary = answer.result.summary;
          // The same definition back is a diagnosis without a change to propose.
          if (answer.result.definition && !deepEqual(answer.result.definition, definition)) outcome.proposed = answer.result.definition;
        } else {
          const first = answer.errors[0];
          outcome.error = `the model gave no valid answer in ${MAX_FIX_ATTEMPTS} attempts${first ? ` (${first.path}: ${first.message})` : ''}`;
        }
      } catch (err) {
        outcome.error = err instanceof Error ? err.message : String(err);
      }
      return journal.transaction(() => {
        // Retention may have deleted the run, and its fixes with it, while the model answered: nothing to record.
        if (!s.get.get(id)) return null;
        let proposalId: string | null = null;
        // This run's: the journal reruns a transaction a deadlock aborted.
        let error = outcome.error;
        if (outcome.proposed) {
          try {
            proposalId = proposals.propose({
              workflowId: row.workflow_id,
              definition: outcome.proposed,
              summary: outcome.summary ?? undefined,
              proposedBy: 'assistant',
              sessionId: row.session_id ?? undefined,
              baseVersion: latest.version,
            }).id;
          } catch (err) {
            // A deadlock (rerun) or a storage failure is the transaction's, not the proposal's.
            if (isStorageError(err)) throw err;
            // The workflow was deleted meanwhile, or the proposal is refused: the diagnosis stands.
            error = `the proposal could not be stored: ${err instanceof Error ? err.message : String(err)}`;
          }
        }
        s.diagnosed.run({
          id,
          status: proposalId ? 'proposed' : 'diagnosed',
          diagnosis: outcome.diagnosis,
          summary: proposalId ? outcome.summary : null,
          proposalId,
          error,
          now: clock.now().toISOString(),
        });
        return publish(id);
      });
    },

    /**
     * At start: a fix the model was still answering when the server stopped gets no answer now.
     * It becomes `diagnosed` with an error saying so (its context and re-run still work); /fix asks again.
     */
    closeInterrupted(): number {
      const ids = s.diagnosing.all().map((r) => r.id);
      if (ids.length === 0) return 0;
      journal.transaction(() => {
        for (const id of ids) {
          s.diagnosed.run({
            id,
            status: 'diagnosed',
            diagnosis: null,
            summary: null,
            proposalId: null,
            error: 'the server stopped before the model answered: type /fix again for a diagnosis',
            now: clock.now().toISOString(),
          });
          publish(id);
        }
      });
      return ids.length;
    },

    get: (id: string): ExecutionFix => toFix(require(id)),

    /** A run's fixes, newest first (404 for an unknown run). */
    listFor(executionId: string): ExecutionFix[] {
      executions.summary(executionId);
      return s.byExecution.all(executionId).map((r) => toFix(r));
    },

    /** The fix that made each version of a workflow, for its history. */
    versionLinks(workflowId: string): Map<number, { id: string; executionId: string; summary: string | null }> {
      return new Map(s.byVersion.all(workflowId).map((r) => [r.applied_version!, { id: r.id, executionId: r.execution_id, summary: r.summary }]));
    },

    /**
     * The person accepts and applies the fix's proposal: a new version saved by them. 409
     * `already_applied`, `no_proposal`, or `version_conflict` when the workflow moved past the
     * proposal's base version (nothing changes then).
     */
    apply({ id, user }: { id: string; user: UserPrincipal }) {
      return journal.transaction(() => {
        const row = require(id);
        if (row.applied_version !== null) {
          throw new AppError(409, 'already_applied', `fix ${id} was already applied as version ${row.applied_version}`, { version: row.applied_version });
        }
        if (row.proposal_id === null) {
          const why = row.status === 'diagnosing' ? 'is still being diagnosed' : 'proposes no change to the workflow';
          throw new AppError(409, 'no_proposal', `fix ${id} ${why}: there is nothing to apply`);
        }
        const proposal = proposals.get(row.proposal_id);
        if (proposal.status === 'rejected') {
          const by = proposal.reviewedBy ? ` by ${proposal.reviewedBy}` : '';
          throw new AppError(
            409,
            'proposal_rejected',
            `the change fix ${id} proposed was rejected${by}: there is nothing to apply. Type /fix again for another proposal`,
            {
              proposalId: proposal.id,
            },
          );
        }
        let applied: ReturnType<ProposalsService['apply']>;
        try {
          if (proposal.status === 'open') proposals.review({ id: proposal.id, decision: 'accept', reviewer: user.name });
          applied = proposals.apply({ id: proposal.id, savedBy: user.id });
        } catch (err) {
          if (err instanceof AppError && err.code === 'version_conflict') {
            const current = workflows.get(row.workflow_id).version;
            throw new AppError(
              409,
              'version_conflict',
              `the workflow moved on: the fix was proposed against version ${proposal.baseVersion}, the latest is ${current}. Type /fix again for a fix of the latest version`,
              { baseVersion: proposal.baseVersion, currentVersion: current },
            );
          }
          throw err;
        }
        // The proposal's change listener (above) recorded the applied version and journaled the fix.
        record('fix.applied', id, { executionId: row.execution_id, workflowId: row.workflow_id, proposalId: proposal.id, version: applied.workflow.version });
        return { fix: toFix(require(id)), version: applied.workflow.version, workflow: applied.workflow };
      });
    },

    /**
     * Re-runs the fixed run with its inputs: on the applied version (else the run's own), from
     * `fixRerunFromStep`, as the person; 409 `nothing_to_rerun` when the run had a failed step and the
     * version to run has nothing left after the steps it already ran. Repeatable: the latest re-run is kept. Posted into the
     * fix's chat when it is theirs.
     */
    rerun({ id, user }: { id: string; user: UserPrincipal }): { executionId: string; fix: ExecutionFix } {
      return journal.transaction(() => {
        const row = require(id);
        if (row.status === 'diagnosing') throw new AppError(409, 'fix_diagnosing', `fix ${id} is still being diagnosed: re-run once it is done`);
        const context = FixContext.parse(JSON.parse(row.context));
        const version = row.applied_version ?? row.workflow_version;
        const before = executions.repo.definitionOf(row.workflow_id, row.workflow_version) as WorkflowDefinition | null;
        const after = executions.repo.definitionOf(row.workflow_id, version) as WorkflowDefinition | null;
        if (!before || !after) throw notFound(`version ${version} of workflow ${row.workflow_id}`);
        const failed = context.failedStep?.stepId;
        const from = failed ? fixRerunFromStep(before, after, failed) : null;
        // Null with a failed step: the fix removed it and all after it. A re-run from the start would
        // only repeat the steps that already succeeded (side effects included).
        if (failed && from === null) {
          throw new AppError(
            409,
            'nothing_to_rerun',
            `version ${version} of workflow ${row.workflow_id} has no step left to run after the ones run ${row.execution_id} already ran: there is nothing to re-run`,
            { version },
          );
        }
        const { executionId } = executions.rerun(row.execution_id, {
          ...(from ? { fromStepId: from } : {}),
          version,
          startedBy: { kind: 'user', id: user.id, name: user.name },
          sessionId: row.session_id,
          // An unapplied fix re-runs the run's own version, which may no longer be the latest.
          mayRunOlderVersion: user.scopes.includes('write'),
        });
        s.rerun.run(from, executionId, clock.now().toISOString(), id);
        record('fix.rerun', id, { executionId: row.execution_id, rerunExecutionId: executionId, version, fromStepId: from });
        return { executionId, fix: publish(id) };
      });
    },
  };
}

export type FixesService = ReturnType<typeof createFixesService>;
