import { z } from 'zod';
import { SerializedError } from '../errors';
import { ExecutionStatus, StepStatus } from './status';
import { ApproverRule } from '../steps/approver-rule';
import { AskPreview, AskScope } from '../agent/ask';

export const RunWorkflowRequest = z
  .object({
    inputs: z.record(z.string(), z.unknown()).optional(),
    sessionId: z.string().min(1).max(100).optional(),
    version: z.number().int().min(1).optional(),
  })
  .default({});
export type RunWorkflowRequest = z.infer<typeof RunWorkflowRequest>;

export const RerunRequest = z
  .object({ fromStepId: z.string().min(1).max(64).optional(), version: z.union([z.number().int().min(1), z.literal('latest')]).optional() })
  .default({});
export type RerunRequest = z.infer<typeof RerunRequest>;

/**
 * Who or what started a run: a person (`user`, their id), a schedule or a webhook (the trigger's
 * key), a workflow (the parent execution's id), or the chat assistant (`assistant`, the id of the
 * person on whose behalf it acted, so self-approval rules apply to them). Null on runs from before
 * people existed.
 */
export const StartedByKind = z.enum(['user', 'schedule', 'webhook', 'workflow', 'assistant']);
export type StartedByKind = z.infer<typeof StartedByKind>;
export const StartedBy = z.object({
  kind: StartedByKind,
  id: z.string(),
  /** For `user` and `assistant`: the person's name when the run started (absent on older runs). */
  name: z.string().optional(),
});
export type StartedBy = z.infer<typeof StartedBy>;

export const ExecutionsQuery = z.object({
  workflowId: z.string().max(100).optional(),
  /** Runs a person started themselves or through the assistant (their user id). */
  startedBy: z.string().min(1).max(100).optional(),
  status: ExecutionStatus.optional(),
  sessionId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(100).optional(),
});

export const StepRun = z.object({
  stepId: z.string(),
  iterationPath: z.string(),
  attempt: z.number().int(),
  status: StepStatus,
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: SerializedError.optional(),
  reused: z.boolean().optional(),
  /**
   * The attempt's streamed output (stdout/stderr chunks), once its run's journal was compacted
   * (retention): before that the `step.log` events of `execution:<id>` carry it.
   */
  log: z.array(z.object({ stream: z.string(), text: z.string() })).optional(),
});
export type StepRun = z.infer<typeof StepRun>;

export const Execution = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowVersion: z.number().int(),
  workflowName: z.string().optional(),
  status: ExecutionStatus,
  inputs: z.record(z.string(), z.unknown()),
  trigger: z.unknown(),
  sessionId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  output: z.unknown().optional(),
  error: SerializedError.optional(),
  rerunOf: z.string().nullable().optional(),
  /** Always sent by the server (null for old runs); optional so older payloads still parse. */
  startedBy: StartedBy.nullable().optional(),
  steps: z.array(StepRun),
  /**
   * `GET /api/executions/:id` only: model usage summed over its agent steps' outputs (every attempt
   * that reported one); `costUsd` null when a model's price is unknown.
   */
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number().nullable() }).optional(),
});
export type Execution = z.infer<typeof Execution>;

export const ExecutionSummary = Execution.omit({ steps: true, usage: true });
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

/**
 * Why nobody can decide an approval any more although nobody decided it (`status: "closed"`): the
 * run that waited for it ended (canceled, failed, timed out, or finished another way), or the call
 * that asked went away (a chat turn stopped, a runner's request closed).
 */
export const ApprovalCloseReason = z.enum(['execution_canceled', 'execution_failed', 'execution_timed_out', 'execution_finished', 'call_canceled']);
export type ApprovalCloseReason = z.infer<typeof ApprovalCloseReason>;

/** `closed` of a closed approval: the machine reason, a sentence for people, and when. */
export const ApprovalClosed = z.object({ reason: ApprovalCloseReason, message: z.string(), closedAt: z.string() });
export type ApprovalClosed = z.infer<typeof ApprovalClosed>;

/** Where an approval stands. `closed`: its run ended (or its call went away) before anyone decided. */
export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired', 'closed']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** One person's decision on an approval, as recorded (`approval_decisions`). */
export const ApprovalDecisionEntry = z.object({
  by: z.object({ id: z.string(), name: z.string() }),
  decision: z.enum(['approve', 'deny']),
  comment: z.string().nullable(),
  at: z.string(),
});
export type ApprovalDecisionEntry = z.infer<typeof ApprovalDecisionEntry>;

/** A step's approval (`kind: "step"`), or a destructive tool call waiting for a person (`kind: "tool"`: no execution). */
export const Approval = z.object({
  kind: z.enum(['step', 'tool']).optional(),
  id: z.string(),
  executionId: z.string().nullable(),
  workflowId: z.string().nullable(),
  stepId: z.string().nullable(),
  sessionId: z.string().nullable().optional(),
  tool: z.object({ name: z.string(), arguments: z.unknown() }).optional(),
  iterationPath: z.string(),
  message: z.string(),
  /** Who may decide (the step's rule; `{}`: anyone who may approve). */
  approvers: ApproverRule.default({}),
  requestedAt: z.string(),
  expiresAt: z.string(),
  status: ApprovalStatus,
  /** Set when `status` is `closed`. */
  closed: ApprovalClosed.optional(),
  /** The final decision: the denial, or the approval that completed `approvalsNeeded`, or the timeout's. */
  decision: z.object({ decision: z.enum(['approve', 'deny']), decidedBy: z.string(), decidedAt: z.string(), comment: z.string().nullable() }).optional(),
  /** Every person's decision so far, oldest first. */
  decisions: z.array(ApprovalDecisionEntry).default([]),
  /** Distinct approvals the step needs (`minApprovals`) and has. */
  approvalsNeeded: z.number().int().default(1),
  approvalsSoFar: z.number().int().default(0),
  /** For the person asking (API answers only; journal events leave it out): may they decide now, and if not, why. */
  mayDecide: z.boolean().optional(),
  whyNot: z.string().optional(),
});
export type Approval = z.infer<typeof Approval>;

/** A step's approval, as `GET /api/approvals` tags it (journal events may leave `kind` out). */
export const StepApproval = Approval.extend({
  kind: z.literal('step').default('step'),
  executionId: z.string(),
  workflowId: z.string(),
  stepId: z.string(),
  sessionId: z.string().nullable().optional(),
});
export type StepApproval = z.infer<typeof StepApproval>;

/**
 * A tool call waiting for a person: the assistant's (no execution), or an agent step's (`executionId`,
 * `workflowId`, `stepId` set: its `toolPolicy` said `ask`, or it asked a question with `agent:ask_user`,
 * `ask: "question"`, whose answer is the decision's comment).
 */
export const ToolApproval = Approval.omit({ executionId: true, workflowId: true, stepId: true }).extend({
  kind: z.literal('tool'),
  executionId: z.string().nullable(),
  workflowId: z.string().nullable(),
  stepId: z.string().nullable(),
  sessionId: z.string().nullable(),
  tool: z.object({ name: z.string(), arguments: z.unknown() }),
  /** An agent step's ask: a tool call to decide, or a question to answer. */
  ask: z.enum(['tool', 'question']).optional(),
  preview: AskPreview.optional(),
  /** Set on an approved agent ask: `step` covers later asks of the same tool in that step attempt. */
  scope: AskScope.optional(),
});
export type ToolApproval = z.infer<typeof ToolApproval>;

/** One entry of the approvals inbox: `GET /api/approvals`, `GET /api/approvals/:id` and a decision's answer. */
export const InboxApproval = z.union([ToolApproval, StepApproval]);
export type InboxApproval = z.infer<typeof InboxApproval>;

export const ApprovalListResponse = z.object({ approvals: z.array(InboxApproval) });
export type ApprovalListResponse = z.infer<typeof ApprovalListResponse>;

export const ApprovalsQuery = z.object({
  status: z.enum(['pending', 'decided']).optional(),
  executionId: z.string().max(100).optional(),
  /** Approvals of one chat: its executions' step approvals and its tool-call approvals. */
  sessionId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * A person's decision. Who decided is not part of it: the server records the signed-in caller, so
 * `decidedBy` (and any other unknown field) is refused with 422.
 */
export const DecisionRequest = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  comment: z.string().max(5000).optional(),
  /** Agent tool asks only: `step` approves this tool for the rest of the step attempt. */
  scope: AskScope.optional(),
  decidedBy: z.never({ error: 'is set by the server from who is signed in; send only "decision" and "comment"' }).optional(),
});
export type DecisionRequest = z.infer<typeof DecisionRequest>;
