import { APPROVALS_TOPIC, AskPreview, ApproverRule, executionTopic, sessionTopic, type ToolApproval } from '@weft/shared';
import type { Journal } from '../journal/journal';
import { decisionFields, type DecisionColumns } from './decision-columns';

/** A `tool_approvals` row: the assistant's or a workflow's held call, or an agent step's ask (migration 022). */
export type ToolApprovalRow = DecisionColumns & {
  id: string;
  session_id: string | null;
  tool: string;
  arguments: string;
  message: string;
  execution_id: string | null;
  workflow_id: string | null;
  step_id: string | null;
  iteration_path: string;
  /** Set only on an agent step's ask: the runner's name for it within the execution. */
  ask_key: string | null;
  ask: 'tool' | 'question' | null;
  preview: string | null;
  scope: 'once' | 'step' | null;
  approvers: string | null;
  /** When a once-approved tool ask let its call through (it lets no other): migration 025. */
  used_at: string | null;
  /** The server process whose request waits for a held call (migration 027; null before it, and for asks). */
  held_by: string | null;
  /** The person (users.id) who decided a held call (migration 027). */
  decided_by_id: string | null;
};

/** An agent step's ask (bound to its execution, kept across restarts), as opposed to a held call. */
export const isAgentAsk = (r: Pick<ToolApprovalRow, 'ask_key'>): boolean => r.ask_key !== null;

/** The step's approver rule stored with an ask; `{}` (anyone who may approve) otherwise. */
export function askRuleOf(r: Pick<ToolApprovalRow, 'approvers'>): ApproverRule {
  if (r.approvers === null) return {};
  const parsed = ApproverRule.safeParse(JSON.parse(r.approvers));
  return parsed.success ? parsed.data : {};
}

function previewOf(r: ToolApprovalRow): AskPreview | undefined {
  if (r.preview === null) return undefined;
  const parsed = AskPreview.safeParse(JSON.parse(r.preview));
  return parsed.success ? parsed.data : undefined;
}

export function toolApprovalView(r: ToolApprovalRow): ToolApproval {
  const preview = previewOf(r);
  return {
    id: r.id,
    kind: 'tool',
    sessionId: r.session_id,
    executionId: r.execution_id,
    workflowId: r.workflow_id,
    stepId: r.step_id,
    iterationPath: r.iteration_path,
    tool: { name: r.tool, arguments: JSON.parse(r.arguments) as unknown },
    message: r.message,
    // A held call has no approver rule (anyone holding `approve`); an agent ask carries its step's.
    approvers: askRuleOf(r),
    decisions: [],
    approvalsNeeded: 1,
    approvalsSoFar: r.decision === 'approve' && r.status === 'approved' ? 1 : 0,
    ...(r.ask === null ? {} : { ask: r.ask }),
    ...(preview === undefined ? {} : { preview }),
    ...(r.scope === null ? {} : { scope: r.scope }),
    ...decisionFields(r),
  };
}

export type ToolApprovalEvent = 'approval.requested' | 'approval.decided' | 'approval.closed';

/**
 * Inside a transaction: the approvals feed, the chat the call belongs to and, for an execution's
 * call, the execution's topic (the run page and its diagram show what waits there).
 */
export function publishToolApproval(journal: Journal, row: ToolApprovalRow, type: ToolApprovalEvent): void {
  const data = toolApprovalView(row);
  journal.append(APPROVALS_TOPIC, type, data);
  if (row.session_id) journal.append(sessionTopic(row.session_id), type, data);
  if (row.execution_id) journal.append(executionTopic(row.execution_id), type, data);
}
