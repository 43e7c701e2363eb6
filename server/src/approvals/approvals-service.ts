import {
  APPROVAL_DEFAULT_TIMEOUT_SECONDS,
  APPROVALS_TOPIC,
  effectiveApprovalPolicy,
  effectiveApprovalRules,
  executionTopic,
  findStep,
  isFinishedExecution,
  rolesWith,
  sessionTopic,
  type StepApproval,
  type WaitRequest,
  type WorkflowDefinition,
} from '@weft/shared';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { ExecutionsService } from '../executions/executions-service';
import { CLOSE_PENDING_SQL, decisionFields, type DecisionColumns } from './decision-columns';
import { answerDecided, closeReasonFor } from './close-reason';
import type { ExecutionEnding } from '../executions/executions-service';
import type { Clock } from '../clock';
import { filters } from '../db/filters';
import type { AuditLog } from '../audit/audit-log';
import type { OperationsLog } from '../http/operations-log';
import { createApprovalDecisions, type RuleColumns } from './approval-decisions';
import { refusalFor, type Decider } from './approver-rules';
import { createApprovalViewers } from './viewer';

/** The person deciding or looking: the rules' `Decider` with the name a decision records. */
export type ApprovalViewer = Decider & { name: string };

type ApprovalRow = DecisionColumns &
  RuleColumns & {
    id: string;
    workflow_id: string;
    step_id: string;
    iteration_path: string;
    step_attempt: number;
    message: string;
    on_deny: 'fail' | 'continue';
    on_timeout: 'fail' | 'approve' | 'deny';
  };

/** A denial as people read it: "Denied by alice: not today", or that nobody decided in time. */
function outcomeSentence(outcome: { decidedBy: string; comment: string | null; timedOut?: boolean }): string {
  if (outcome.timedOut) return 'Nobody decided before the approval timed out.';
  return outcome.comment ? `Denied by ${outcome.decidedBy}: ${outcome.comment}` : `Denied by ${outcome.decidedBy}.`;
}

/**
 * Approvals: created when a step waits for a human, decided only by POST (a GET never decides) and
 * only by a person (the caller passes who, from the authenticated principal). Repeating a person's
 * decision is harmless; a different one is 409 `already_decided`; an expired or closed approval is
 * 409 `approval_closed` whatever the decision. The decision resumes only its path. When the run
 * ends first (canceled, failed, timed out), its pending approvals close with it (`closeForExecution`).
 */
export function createApprovalsService({
  db,
  journal,
  clock,
  executions,
  audit,
  log,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  executions: ExecutionsService;
  audit: AuditLog;
  /** A line when a step starts waiting for people and when it is decided. */
  log?: OperationsLog;
}) {
  const decisions = createApprovalDecisions(db);
  const viewers = createApprovalViewers(db);
  const s = {
    insert: db.prepare(
      `INSERT INTO approvals (id, execution_id, workflow_id, step_id, iteration_path, step_attempt, message, approvers, min_approvals, allow_self_approval,
                              on_deny, on_timeout, status, requested_at, expires_at)
       VALUES (@id, @executionId, @workflowId, @stepId, @iterationPath, @stepAttempt, @message, @approvers, @minApprovals, @allowSelfApproval,
               @onDeny, @onTimeout, 'pending', @requestedAt, @expiresAt)
       ON CONFLICT (execution_id, step_id, iteration_path, step_attempt) DO NOTHING`,
    ),
    byStep: db.prepare<[string, string, string, number], ApprovalRow>(
      'SELECT * FROM approvals WHERE execution_id = ? AND step_id = ? AND iteration_path = ? AND step_attempt = ?',
    ),
    get: db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE id = ?'),
    decide: db.prepare("UPDATE approvals SET status = ?, decision = ?, decided_by = ?, decided_at = ?, comment = ? WHERE id = ? AND status = 'pending'"),
    /** Takes the row's lock while it is pending, before anything is written (see `decide`). */
    claim: db.prepare("UPDATE approvals SET status = status WHERE id = ? AND status = 'pending'"),
    expired: db.prepare<[number], ApprovalRow>("SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ?"),
    nextExpiry: db.prepare<[], { at: number | null }>("SELECT MIN(expires_at) AS at FROM approvals WHERE status = 'pending'"),
    pendingOf: db.prepare<[string], ApprovalRow>("SELECT * FROM approvals WHERE execution_id = ? AND status = 'pending'"),
    close: db.prepare(CLOSE_PENDING_SQL('approvals')),
  };

  /** The API view; with a viewer, also whether that person may decide now (and if not, why). */
  const toApproval = (r: ApprovalRow, viewer?: ApprovalViewer): StepApproval => {
    const made = decisions.of(r.id);
    const rules = decisions.partiesOf(r).rules;
    const refusal = viewer && r.status === 'pending' ? refusalFor(viewer, decisions.partiesOf(r)) : null;
    return {
      kind: 'step',
      id: r.id,
      executionId: r.execution_id,
      workflowId: r.workflow_id,
      stepId: r.step_id,
      iterationPath: r.iteration_path,
      message: r.message,
      approvers: rules.approvers,
      ...decisionFields(r),
      decisions: made,
      approvalsNeeded: rules.minApprovals,
      approvalsSoFar: made.filter((d) => d.decision === 'approve').length,
      ...(viewer ? { mayDecide: r.status === 'pending' && refusal === null } : {}),
      ...(refusal ? { whyNot: refusal.message } : {}),
    };
  };

  const publish = (row: ApprovalRow, type: 'approval.requested' | 'approval.decided' | 'approval.decision_recorded' | 'approval.closed') => {
    const data = toApproval(row);
    journal.append(APPROVALS_TOPIC, type, data);
    journal.append(executionTopic(row.execution_id), type, data);
    const exec = executions.repo.get(row.execution_id);
    if (exec?.session_id) journal.append(sessionTopic(exec.session_id), type, data);
  };

  /** Inside the ingest transaction: the step waits, the approval is pending. */
  function requestWithin(input: {
    executionId: string;
    stepId: string;
    iterationPath: string;
    attempt: number;
    wait: Extract<WaitRequest, { kind: 'approval' }>;
  }) {
    const exec = executions.repo.get(input.executionId)!;
    // Every rule comes from the execution's stored version, never from what the runner sent: the
    // runner credential must not choose who decides, how many, or what a timeout does. Only the
    // message is the runner's (its template rendered with the run's values).
    const definition = executions.repo.definitionOf(exec.workflow_id, exec.workflow_version) as WorkflowDefinition | null;
    const step = definition ? findStep(definition, input.stepId)?.step : undefined;
    if (step?.type !== 'approval') {
      // Ingest refuses such a wait before it gets here (engine/approval-gates.ts).
      throw new AppError(409, 'approval_refused', `step ${input.stepId} is not an approval step of version ${exec.workflow_version} of ${exec.workflow_id}`);
    }
    const rules = effectiveApprovalRules(step);
    const policy = effectiveApprovalPolicy(step);
    const timeoutSeconds = step.timeoutSeconds ?? APPROVAL_DEFAULT_TIMEOUT_SECONDS;
    const now = clock.now();
    s.insert.run({
      id: newId('apr'),
      executionId: input.executionId,
      workflowId: exec.workflow_id,
      stepId: input.stepId,
      iterationPath: input.iterationPath,
      stepAttempt: input.attempt,
      message: input.wait.message,
      approvers: JSON.stringify(rules.approvers),
      minApprovals: rules.minApprovals,
      allowSelfApproval: rules.allowSelfApproval ? 1 : 0,
      onDeny: policy.onDeny,
      onTimeout: policy.onTimeout,
      requestedAt: now.toISOString(),
      expiresAt: now.getTime() + timeoutSeconds * 1000,
    });
    const row = s.byStep.get(input.executionId, input.stepId, input.iterationPath, input.attempt)!;
    publish(row, 'approval.requested');
    log?.info({ executionId: row.execution_id, stepId: row.step_id, approvalId: row.id }, 'approval requested');
  }

  /** Applies a decision to the waiting step and moves the execution on. */
  function resolveWithin(row: ApprovalRow, outcome: { approved: boolean; decidedBy: string; comment: string | null; decidedAt: string; timedOut?: boolean }) {
    const exec = executions.repo.get(row.execution_id)!;
    const step = executions.repo.stepRun(row.execution_id, row.step_id, row.iteration_path, row.step_attempt);
    const output = { approved: outcome.approved, decidedBy: outcome.decidedBy, comment: outcome.comment, decidedAt: outcome.decidedAt };
    const deniedFails = !outcome.approved && (outcome.timedOut && row.on_timeout === 'fail' ? true : row.on_deny === 'fail');
    if (isFinishedExecution(exec.status) || !step || step.status !== 'waiting') return;
    log?.info(
      { executionId: row.execution_id, stepId: row.step_id, approvalId: row.id, approved: outcome.approved, timedOut: outcome.timedOut === true },
      'approval decided',
    );
    const stored = executions.repo.upsertStep({
      executionId: row.execution_id,
      stepId: row.step_id,
      iterationPath: row.iteration_path,
      attempt: row.step_attempt,
      status: deniedFails ? 'failed' : 'succeeded',
      startedAt: step.started_at,
      finishedAt: outcome.decidedAt,
      output,
      error: deniedFails ? { name: outcome.timedOut ? 'ApprovalTimedOut' : 'ApprovalDenied', message: outcomeSentence(outcome) } : undefined,
      leaseAttempt: step.lease_attempt,
    });
    executions.events.stepUpdated(row.execution_id, stored);
    if (deniedFails) {
      const timedOutFail = outcome.timedOut && row.on_timeout === 'fail';
      executions.finishWithin(row.execution_id, {
        status: timedOutFail ? 'failed' : 'denied',
        error: { name: timedOutFail ? 'ApprovalTimedOut' : 'ApprovalDenied', message: outcomeSentence(outcome) },
      });
      return;
    }
    executions.repo.release(row.execution_id, { status: 'queued', wakeAt: null, now: outcome.decidedAt });
    executions.events.executionUpdated(row.execution_id);
  }

  return {
    requestWithin,
    /** The person a request acts for, as the rules see them. */
    viewerOf: viewers.of,
    /** A person by user id (chat commands, the assistant): null for an unknown or disabled user. */
    viewerById: viewers.byId,

    list(
      q: { status?: 'pending' | 'decided' | undefined; executionId?: string | undefined; sessionId?: string | undefined; limit: number },
      viewer?: ApprovalViewer,
    ): StepApproval[] {
      const f = filters();
      f.add(q.status === 'pending', "status = 'pending'");
      f.add(q.status === 'decided', "status IN ('approved', 'denied', 'expired', 'closed')");
      f.add(q.executionId, 'execution_id = ?', q.executionId);
      f.add(q.sessionId, 'execution_id IN (SELECT id FROM executions WHERE session_id = ?)', q.sessionId);
      const sql = `SELECT * FROM approvals ${f.where()} ORDER BY requested_at DESC, id DESC LIMIT ?`;
      return db
        .prepare<unknown[], ApprovalRow>(sql)
        .all(...f.params, q.limit)
        .map((row) => toApproval(row, viewer));
    },

    get(id: string, viewer?: ApprovalViewer): StepApproval {
      const row = s.get.get(id);
      if (!row) throw notFound(`approval ${id}`);
      return toApproval(row, viewer);
    },

    /**
     * One person's decision. The rules decide who may (403 `not_an_approver`, saying who may and
     * why not); each person decides once (409 `already_decided`); one denial ends the approval, and
     * it is approved once `minApprovals` distinct people approved. Until then it stays pending and
     * `approval.decision_recorded` tells the live views.
     */
    decide({
      id,
      decision,
      comment,
      person,
    }: {
      id: string;
      decision: 'approve' | 'deny';
      comment?: string | undefined;
      person: ApprovalViewer;
    }): StepApproval {
      return journal.transaction(() => {
        const found = s.get.get(id);
        if (!found) throw notFound(`approval ${id}`);
        if (found.status !== 'pending') return answerDecided(id, found, decision, (r) => toApproval(r, person));
        // The row is claimed before anything is written: on PostgreSQL another server's decision (or
        // the timeout) may commit after the read above, and this UPDATE then waits for it and changes
        // nothing, so this caller answers as for an approval decided before. Holding the lock, the
        // decisions read below include every other server's, so two approvals of a `minApprovals: 2`
        // gate made at once count each other.
        if (s.claim.run(id).changes !== 1) return answerDecided(id, s.get.get(id), decision, (r) => toApproval(r, person));
        const row = s.get.get(id)!;
        const parties = decisions.partiesOf(row);
        const refusal = refusalFor(person, parties);
        if (refusal?.reason === 'already_decided')
          throw new AppError(409, 'already_decided', `${person.name} already decided approval ${id}`, { approval: toApproval(row, person) });
        if (refusal) {
          const { users, roles } = parties.rules.approvers;
          throw new AppError(403, 'not_an_approver', refusal.message, {
            reason: refusal.reason,
            mayDecide: { users: users ?? [], roles: roles ?? rolesWith('approve') },
            allowSelfApproval: parties.rules.allowSelfApproval,
          });
        }
        const decidedAt = clock.now().toISOString();
        decisions.record({ approvalId: id, by: { id: person.id, name: person.name }, decision, comment: comment ?? null, at: decidedAt });
        const approvalsSoFar = decisions.of(id).filter((d) => d.decision === 'approve').length;
        // journal.transaction runs this synchronously in one SQLite transaction (a savepoint when it
        // joins the group commit's open batch), so the decision row, its events and this audit entry
        // commit or roll back together.
        audit.record({
          actor: { kind: 'user', id: person.id, name: person.name },
          action: 'approval.decided',
          target: { kind: 'approval', id },
          details: {
            decision,
            comment: comment ?? null,
            executionId: row.execution_id,
            stepId: row.step_id,
            approvalsSoFar,
            approvalsNeeded: row.min_approvals,
          },
        });
        if (decision === 'approve' && approvalsSoFar < row.min_approvals) {
          publish(row, 'approval.decision_recorded');
          return toApproval(row, person);
        }
        s.decide.run(decision === 'approve' ? 'approved' : 'denied', decision, person.name, decidedAt, comment ?? null, id);
        const updated = s.get.get(id)!;
        publish(updated, 'approval.decided');
        resolveWithin(updated, { approved: decision === 'approve', decidedBy: person.name, comment: comment ?? null, decidedAt });
        return toApproval(updated, person);
      });
    },

    /** Applies `onTimeout` to every approval past its expiry; returns how many it expired. */
    expireDue(nowMs: number = clock.now().getTime()): number {
      let expired = 0;
      for (const row of s.expired.all(nowMs)) {
        const applied = journal.transaction(() => {
          const decidedAt = new Date(nowMs).toISOString();
          const approve = row.on_timeout === 'approve';
          const decision = approve ? 'approve' : 'deny';
          // Decided (or closed) since the read above, perhaps on another server: that stands, not the timeout.
          if (s.decide.run('expired', decision, 'timeout', decidedAt, null, row.id).changes !== 1) return false;
          const updated = s.get.get(row.id)!;
          publish(updated, 'approval.decided');
          resolveWithin(updated, { approved: approve, decidedBy: 'timeout', comment: null, decidedAt, timedOut: true });
          return true;
        });
        if (applied) expired++;
      }
      return expired;
    },

    nextExpiry: () => s.nextExpiry.get()?.at ?? null,

    /** Inside the transaction that ends the execution: its pending approvals close, saying why. */
    closeForExecution(ending: ExecutionEnding) {
      const closed = closeReasonFor(ending);
      for (const row of s.pendingOf.all(ending.executionId)) {
        // Decided meanwhile on another server: it stays decided, and nothing closed.
        if (s.close.run(closed.reason, closed.message, closed.closedAt, row.id).changes === 1) publish(s.get.get(row.id)!, 'approval.closed');
      }
    },
  };
}

export type ApprovalsService = ReturnType<typeof createApprovalsService>;
