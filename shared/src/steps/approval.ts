import { z } from 'zod';
import { NonEmptyTemplate, stepCommonShape } from './common';
import { excerpt } from './text';
import type { StepCatalogueEntry } from './types';
import { ApproverRule, MAX_MIN_APPROVALS, type ApprovalRules } from './approver-rule';

export const APPROVAL_DEFAULT_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;

export const ApprovalStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('approval'),
  message: NonEmptyTemplate,
  /** Who may decide (`{ users?, roles? }`); when absent, anyone whose role may approve. */
  approvers: ApproverRule.optional(),
  /** How many distinct people must approve before the step continues (default 1); one denial ends it. */
  minApprovals: z.number().int().min(1).max(MAX_MIN_APPROVALS).optional(),
  /** Whether the person who started the run, or saved the version being run, may approve it (default false). */
  allowSelfApproval: z.boolean().optional(),
  /** What a denial does: fail the run (default) or carry on, with `output.decision` saying `denied`. */
  onDeny: z.enum(['fail', 'continue']).optional(),
  /** What happens when nobody decides in time: fail (default), or act as approved/denied. */
  onTimeout: z.enum(['fail', 'approve', 'deny']).optional(),
});
export type ApprovalStep = z.infer<typeof ApprovalStep>;

export const ApprovalOutput = z.object({
  approved: z.boolean(),
  /** Who decided; `timeout` when the decision came from `onTimeout`. */
  decidedBy: z.string(),
  comment: z.string().nullable(),
  decidedAt: z.iso.datetime({ offset: true }),
});
export type ApprovalOutput = z.infer<typeof ApprovalOutput>;

export const approvalEntry: StepCatalogueEntry<'approval'> = {
  type: 'approval',
  title: 'Approval',
  description:
    'Pauses the run until someone approves or denies it (`message` is a template shown to approvers). `approvers: { users?: [ids or emails], roles?: [roles] }` limits who may decide (default: anyone with the approve permission), `minApprovals` asks for that many distinct approvals (default 1; one denial ends it), and the person who started the run or saved the workflow may not approve it unless `allowSelfApproval: true`. Defaults: deny fails the run, and after 7 days without a decision the step fails.',
  configSchema: ApprovalStep,
  outputSchema: ApprovalOutput,
  example: { id: 'confirm_deploy', type: 'approval', message: 'Deploy {{ inputs.version }} to production?' },
  defaultTimeoutSeconds: APPROVAL_DEFAULT_TIMEOUT_SECONDS,
  keyParam: (step) => excerpt(step.message),
  expressionSites: (step) => [{ path: ['message'], kind: 'template', source: step.message }],
};

export function effectiveApprovalPolicy(step: ApprovalStep): { onDeny: 'fail' | 'continue'; onTimeout: 'fail' | 'approve' | 'deny' } {
  return { onDeny: step.onDeny ?? 'fail', onTimeout: step.onTimeout ?? 'fail' };
}

/** Who may decide this step and how many must approve, with the defaults applied. */
export function effectiveApprovalRules(step: ApprovalStep): ApprovalRules {
  return { approvers: step.approvers ?? {}, minApprovals: step.minApprovals ?? 1, allowSelfApproval: step.allowSelfApproval ?? false };
}
