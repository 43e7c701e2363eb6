import { WorkflowListResponse, WorkflowResponse, WorkflowVersionsResponse } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

export const workflowKeys = {
  all: ['workflows'] as const,
  list: () => [...workflowKeys.all, 'list'] as const,
  detail: (id: string) => [...workflowKeys.all, 'detail', id] as const,
  versions: (id: string) => [...workflowKeys.all, 'versions', id] as const,
  version: (id: string, version: number) => [...workflowKeys.all, 'version', id, version] as const,
};

const enc = encodeURIComponent;

export const ValidateWorkflowResponse = z.object({
  ok: z.boolean(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type ValidateWorkflowResponse = z.infer<typeof ValidateWorkflowResponse>;

export const workflowsApi = {
  list: (signal?: AbortSignal) => request('/api/workflows', { schema: WorkflowListResponse, ...opt(signal) }).then((r) => r.workflows),
  get: (id: string, signal?: AbortSignal) => request(`/api/workflows/${enc(id)}`, { schema: WorkflowResponse, ...opt(signal) }),
  versions: (id: string, signal?: AbortSignal) =>
    request(`/api/workflows/${enc(id)}/versions`, { schema: WorkflowVersionsResponse, ...opt(signal) }).then((r) => r.versions),
  version: (id: string, version: number, signal?: AbortSignal) =>
    request(`/api/workflows/${enc(id)}/versions/${version}`, { schema: WorkflowResponse, ...opt(signal) }),
  create: (definition: unknown) => request('/api/workflows', { method: 'POST', body: { definition }, schema: WorkflowResponse }),
  update: ({ id, definition, baseVersion }: { id: string; definition: unknown; baseVersion: number }) =>
    request(`/api/workflows/${enc(id)}`, { method: 'PUT', body: { definition, baseVersion }, schema: WorkflowResponse }),
  rollback: ({ id, version }: { id: string; version: number }) =>
    request(`/api/workflows/${enc(id)}/rollback`, { method: 'POST', body: { version }, schema: WorkflowResponse }),
  remove: (id: string) => request(`/api/workflows/${enc(id)}`, { method: 'DELETE' }),
  validate: (definition: unknown) => request('/api/workflows/validate', { method: 'POST', body: { definition }, schema: ValidateWorkflowResponse }),
};

function opt(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
