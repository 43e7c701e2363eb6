import {
  WorkflowDiffResponse,
  WorkflowExport,
  WorkflowProposalsResponse,
  WorkflowImportResponse,
  WorkflowListResponse,
  WorkflowResponse,
  WorkflowVersionsResponse,
  type WorkflowTriggerRequest,
} from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

export const workflowKeys = {
  all: ['workflows'] as const,
  list: () => [...workflowKeys.all, 'list'] as const,
  detail: (id: string) => [...workflowKeys.all, 'detail', id] as const,
  versions: (id: string) => [...workflowKeys.all, 'versions', id] as const,
  version: (id: string, version: number) => [...workflowKeys.all, 'version', id, version] as const,
  diff: (id: string, from: number, to: number) => [...workflowKeys.all, 'diff', id, from, to] as const,
  proposals: (id: string) => [...workflowKeys.all, 'proposals', id] as const,
};

const enc = encodeURIComponent;

export const ValidateWorkflowResponse = z.object({
  ok: z.boolean(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type ValidateWorkflowResponse = z.infer<typeof ValidateWorkflowResponse>;

export const RunWorkflowResponse = z.object({ executionId: z.string() });

export const workflowsApi = {
  list: (signal?: AbortSignal) => request('/api/workflows', { schema: WorkflowListResponse, ...opt(signal) }).then((r) => r.workflows),
  get: (id: string, signal?: AbortSignal) => request(`/api/workflows/${enc(id)}`, { schema: WorkflowResponse, ...opt(signal) }),
  versions: (id: string, signal?: AbortSignal) =>
    request(`/api/workflows/${enc(id)}/versions`, { schema: WorkflowVersionsResponse, ...opt(signal) }).then((r) => r.versions),
  version: (id: string, version: number, signal?: AbortSignal) =>
    request(`/api/workflows/${enc(id)}/versions/${version}`, { schema: WorkflowResponse, ...opt(signal) }),
  /** What changed from version `from` to version `to` (step ids; changed fields as leaf paths). */
  diff: ({ id, from, to }: { id: string; from: number; to: number }, signal?: AbortSignal) =>
    request(`/api/workflows/${enc(id)}/diff?from=${from}&to=${to}`, { schema: WorkflowDiffResponse, ...opt(signal) }),
  /** The workflow's proposals (made by the assistant), newest first. */
  proposals: (id: string, signal?: AbortSignal) =>
    request(`/api/workflows/${enc(id)}/proposals`, { schema: WorkflowProposalsResponse, ...opt(signal) }).then((r) => r.proposals),
  /** With `trigger`, the workflow and its trigger are written in one transaction (both or neither). */
  create: (definition: unknown, trigger?: WorkflowTriggerRequest) =>
    request('/api/workflows', { method: 'POST', body: { definition, ...(trigger ? { trigger } : {}) }, schema: WorkflowResponse, idempotent: true }),
  update: ({ id, definition, baseVersion, trigger }: { id: string; definition: unknown; baseVersion: number; trigger?: WorkflowTriggerRequest }) =>
    request(`/api/workflows/${enc(id)}`, { method: 'PUT', body: { definition, baseVersion, ...(trigger ? { trigger } : {}) }, schema: WorkflowResponse }),
  /** 202 `{ executionId }`; a 422 `invalid_inputs` names `inputs.<name>`. */
  run: ({ id, inputs }: { id: string; inputs: Record<string, unknown> }) =>
    request(`/api/workflows/${enc(id)}/run`, { method: 'POST', body: { inputs }, schema: RunWorkflowResponse, idempotent: true }).then((r) => r.executionId),
  rollback: ({ id, version }: { id: string; version: number }) =>
    request(`/api/workflows/${enc(id)}/rollback`, { method: 'POST', body: { version }, schema: WorkflowResponse }),
  remove: (id: string) => request(`/api/workflows/${enc(id)}`, { method: 'DELETE' }),
  /** `{ format: "weft.workflow/1", definition, trigger? }`, as a file to download. */
  exportFile: (id: string) => request(`/api/workflows/${enc(id)}/export`, { schema: WorkflowExport }),
  /** 201 a new workflow; a taken trigger key or path comes back disabled, with `warnings`. */
  importFile: (file: unknown) => request('/api/workflows/import', { method: 'POST', body: file, schema: WorkflowImportResponse, idempotent: true }),
  validate: (definition: unknown) => request('/api/workflows/validate', { method: 'POST', body: { definition }, schema: ValidateWorkflowResponse }),
};

function opt(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
