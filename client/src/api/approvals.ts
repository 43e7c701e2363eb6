import { Approval, type DecisionRequest } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

export const ApprovalListResponse = z.object({ approvals: z.array(Approval) });
export type ApprovalListResponse = z.infer<typeof ApprovalListResponse>;

export const approvalKeys = {
  all: ['approvals'] as const,
  pending: () => [...approvalKeys.all, 'pending'] as const,
};

export const approvalsApi = {
  pending: (signal?: AbortSignal) =>
    request('/api/approvals?status=pending', { schema: ApprovalListResponse, ...(signal ? { signal } : {}) }).then((r) => r.approvals),
  decide: ({ id, ...body }: { id: string } & DecisionRequest) =>
    request(`/api/approvals/${encodeURIComponent(id)}/decision`, { method: 'POST', body, schema: Approval }),
};
