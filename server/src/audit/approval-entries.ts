import { APPROVALS_TOPIC, type InboxApproval, type JournalEvent } from '@weft/shared';
import type { Journal } from '../journal/journal';
import { systemActor, type AuditLog } from './audit-log';

/** `decidedBy` values that name no person: Weft decided (a timeout, a restart, a call that went away). */
const WEFT_DECIDED = new Set(['timeout', 'restart', 'canceled']);

/**
 * Audit entries for approvals, written from the journal's `onAppend` hook on the approvals topic.
 *
 * The hook runs synchronously as the event is appended, inside the transaction that writes it:
 * a plain journal transaction, or a savepoint inside a group-commit batch (the engine's ingest of a
 * runner's "waiting for approval" runs there). `audit.record` is an INSERT on the same connection,
 * so the entry is part of that transaction: rolled back with its savepoint if the change throws,
 * and lost with the whole batch if its COMMIT fails. No pending write is needed: the entry is a
 * row of the very transaction whose events the group commit writes just before its COMMIT.
 *
 * Step approvals: `approval.requested` and `approval.closed` (decisions are recorded where they are
 * made, with the approver rules). Tool-call approvals: `tool_approval.requested`, `.decided`
 * (a person's, or an expiry's) and `.closed`.
 */
export function recordApprovalEntries({ journal, audit }: { journal: Journal; audit: AuditLog }): () => void {
  return journal.onAppend(APPROVALS_TOPIC, (event: JournalEvent) => {
    if (event.type !== 'approval.requested' && event.type !== 'approval.decided' && event.type !== 'approval.closed') return;
    const approval = event.data as InboxApproval;
    const verb = event.type.slice('approval.'.length);
    if (approval.kind === 'tool') {
      const decidedBy = approval.decision?.decidedBy;
      const actor =
        verb === 'decided' && decidedBy !== undefined && WEFT_DECIDED.has(decidedBy) ? systemActor(decidedBy) : audit.actor(systemActor('assistant'));
      audit.record({
        actor,
        action: `tool_approval.${verb}`,
        target: { kind: 'tool_approval', id: approval.id },
        details: {
          tool: approval.tool.name,
          sessionId: approval.sessionId,
          message: approval.message,
          ...(approval.decision ? { decision: approval.decision.decision, comment: approval.decision.comment } : {}),
          ...(approval.closed ? { reason: approval.closed.reason } : {}),
        },
      });
      return;
    }
    if (verb === 'decided') return;
    audit.record({
      actor: audit.actor(systemActor('engine')),
      action: `approval.${verb}`,
      target: { kind: 'approval', id: approval.id },
      details: {
        executionId: approval.executionId,
        workflowId: approval.workflowId,
        stepId: approval.stepId,
        ...(verb === 'requested' ? { message: approval.message, approvers: approval.approvers } : {}),
        ...(approval.closed ? { reason: approval.closed.reason } : {}),
      },
    });
  });
}
