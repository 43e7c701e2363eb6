import { Execution, ExecutionSummary } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

export const ExecutionListResponse = z.object({ executions: z.array(ExecutionSummary), nextBefore: z.string().nullable() });
export type ExecutionListResponse = z.infer<typeof ExecutionListResponse>;

export const executionKeys = {
  all: ['executions'] as const,
  list: () => [...executionKeys.all, 'list'] as const,
  detail: (id: string) => [...executionKeys.all, 'detail', id] as const,
};

export const executionsApi = {
  list: (signal?: AbortSignal) => request('/api/executions?limit=100', { schema: ExecutionListResponse, ...(signal ? { signal } : {}) }),
  get: (id: string, signal?: AbortSignal) => request(`/api/executions/${encodeURIComponent(id)}`, { schema: Execution, ...(signal ? { signal } : {}) }),
  cancel: (id: string) => request(`/api/executions/${encodeURIComponent(id)}/cancel`, { method: 'POST', schema: Execution }),
};
