import { Execution, ExecutionSummary, type ExecutionStatus, type RerunRequest } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

export const ExecutionListResponse = z.object({ executions: z.array(ExecutionSummary), nextBefore: z.string().nullable() });
export type ExecutionListResponse = z.infer<typeof ExecutionListResponse>;

export type ExecutionFilter = { workflowId?: string; status?: ExecutionStatus; sessionId?: string };

export const executionKeys = {
  all: ['executions'] as const,
  list: (filter: ExecutionFilter = {}) => [...executionKeys.all, 'list', filter] as const,
  detail: (id: string) => [...executionKeys.all, 'detail', id] as const,
};

/** Model usage summed over a run's agent steps (`GET /api/executions/:id`, docs/api.md). */
export const ExecutionUsage = z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number().nullable() });
export type ExecutionUsage = z.infer<typeof ExecutionUsage>;

/** One execution with its steps, and its usage once the server reports it. */
export const ExecutionDetail = Execution.extend({ usage: ExecutionUsage.optional() });
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;

export const RerunResponse = z.object({ executionId: z.string() });

const enc = encodeURIComponent;

export const executionsApi = {
  list: ({ workflowId, status, sessionId, before, limit = 50 }: ExecutionFilter & { before?: string; limit?: number } = {}, signal?: AbortSignal) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (workflowId) query.set('workflowId', workflowId);
    if (status) query.set('status', status);
    if (sessionId) query.set('sessionId', sessionId);
    if (before) query.set('before', before);
    return request(`/api/executions?${query}`, { schema: ExecutionListResponse, ...(signal ? { signal } : {}) });
  },
  get: (id: string, signal?: AbortSignal) => request(`/api/executions/${enc(id)}`, { schema: ExecutionDetail, ...(signal ? { signal } : {}) }),
  cancel: (id: string) => request(`/api/executions/${enc(id)}/cancel`, { method: 'POST', schema: Execution }),
  rerun: ({ id, ...body }: { id: string } & RerunRequest) =>
    request(`/api/executions/${enc(id)}/rerun`, { method: 'POST', body, schema: RerunResponse, idempotent: true }).then((r) => r.executionId),
};
