import { ApprovalListResponse, InboxApproval, type DecisionRequest } from '@weft/shared';
import { request } from './http';

export { ApprovalListResponse, InboxApproval };
export type ApprovalDecision = NonNullable<InboxApproval['decision']>;

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
