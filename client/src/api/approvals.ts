import { Approval, type DecisionRequest } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

/**
 * One inbox entry: a step approval (the shared `Approval`, which the REST API tags `kind: 'step'`
 * and journal events leave untagged) or a tool-call approval of the chat assistant.
 */
const StepApproval = Approval.extend({ kind: z.literal('step').default('step'), executionId: z.string(), workflowId: z.string(), stepId: z.string(), sessionId: z.string().nullable().optional() });
const ToolApproval = Approval.omit({ executionId: true, workflowId: true, stepId: true }).extend({
  kind: z.literal('tool'),
  executionId: z.null(),
  workflowId: z.null(),
  stepId: z.null(),
  sessionId: z.string().nullable(),
  tool: z.object({ name: z.string(), arguments: z.unknown() }),
});
export const InboxApproval = z.union([ToolApproval, StepApproval]);
export type InboxApproval = z.infer<typeof InboxApproval>;
export type ApprovalDecision = NonNullable<InboxApproval['decision']>;

export const ApprovalListResponse = z.object({ approvals: z.array(InboxApproval) });
export type ApprovalListResponse = z.infer<typeof ApprovalListResponse>;

export const approvalKeys = {
  all: ['approvals'] as const,
  list: (filter: { status?: 'pending' | 'decided'; executionId?: string }) => [...approvalKeys.all, 'list', filter] as const,
};

export const approvalsApi = {
  list: ({ status, executionId, limit }: { status?: 'pending' | 'decided'; executionId?: string; limit?: number }, signal?: AbortSignal) => {
    const query = new URLSearchParams();
    if (status !== undefined) query.set('status', status);
    if (executionId !== undefined) query.set('executionId', executionId);
    if (limit !== undefined) query.set('limit', String(limit));
    return request(`/api/approvals?${query}`, { schema: ApprovalListResponse, ...(signal ? { signal } : {}) }).then((r) => r.approvals);
  },
  get: (id: string, signal?: AbortSignal) => request(`/api/approvals/${encodeURIComponent(id)}`, { schema: InboxApproval, ...(signal ? { signal } : {}) }),
  decide: ({ id, ...body }: { id: string } & DecisionRequest) =>
    request(`/api/approvals/${encodeURIComponent(id)}/decision`, { method: 'POST', body, schema: InboxApproval }),
};
