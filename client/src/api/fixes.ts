import { ExecutionFix } from '@weft/shared';
import { z } from 'zod';
import { request } from './http';

/** "Fix with the assistant" (docs/api.md, Fixes): a fix of a failed run, its proposal applied and its re-run. */

export const fixKeys = {
  all: ['fixes'] as const,
  detail: (id: string) => [...fixKeys.all, 'detail', id] as const,
  ofExecution: (executionId: string) => [...fixKeys.all, 'execution', executionId] as const,
};

export const CreateFixResponse = z.object({ sessionId: z.string(), messageId: z.string() });
export type CreateFixResponse = z.infer<typeof CreateFixResponse>;
export const ExecutionFixesResponse = z.object({ fixes: z.array(ExecutionFix) });
/** `version` (the new version) is also in the answer; the fix's `appliedVersion` names it. */
export const ApplyFixResponse = z.object({ fix: ExecutionFix });
export const RerunFixResponse = z.object({ executionId: z.string(), fix: ExecutionFix });

const enc = encodeURIComponent;

export const fixesApi = {
  get: (id: string, signal?: AbortSignal) => request(`/api/fixes/${enc(id)}`, { schema: ExecutionFix, ...(signal ? { signal } : {}) }),
  /** This run's fixes, newest first. */
  ofExecution: (executionId: string, signal?: AbortSignal) =>
    request(`/api/executions/${enc(executionId)}/fixes`, { schema: ExecutionFixesResponse, ...(signal ? { signal } : {}) }).then((r) => r.fixes),
  /** 202: `/fix <run>` was posted into the chat (a new chat of the caller when `sessionId` is absent). */
  create: ({ executionId, sessionId }: { executionId: string; sessionId?: string }) =>
    request(`/api/executions/${enc(executionId)}/fixes`, {
      method: 'POST',
      body: sessionId === undefined ? {} : { sessionId },
      schema: CreateFixResponse,
      idempotent: true,
    }),
  /** 409 `no_proposal`, `version_conflict` (the workflow moved on), `already_applied`. */
  apply: (id: string) => request(`/api/fixes/${enc(id)}/apply`, { method: 'POST', body: {}, schema: ApplyFixResponse }).then((r) => r.fix),
  /** 202: the failed run again with its inputs, from the fix's step, on the applied version when there is one. */
  rerun: (id: string) => request(`/api/fixes/${enc(id)}/rerun`, { method: 'POST', body: {}, schema: RerunFixResponse, idempotent: true }),
};
