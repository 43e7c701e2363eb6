import { DraftResponse } from '@weft/shared';
import { isApiError, request } from './http';

export { DraftResponse };

/** `details` of a 422 `draft_invalid`: the model ran out of attempts. */
export type DraftInvalidDetails = { errors: { path: string; message: string }[]; attempts: number | null; lastDraft: unknown };

export function draftInvalidDetails(error: unknown): DraftInvalidDetails | null {
  if (!isApiError(error) || error.code !== 'draft_invalid') return null;
  const details = (typeof error.details === 'object' && error.details !== null ? error.details : {}) as Record<string, unknown>;
  const errors = Array.isArray(details.errors)
    ? details.errors.filter(
        (issue): issue is { path: string; message: string } =>
          typeof issue === 'object' &&
          issue !== null &&
          typeof (issue as { path?: unknown }).path === 'string' &&
          typeof (issue as { message?: unknown }).message === 'string',
      )
    : [];
  return { errors, attempts: typeof details.attempts === 'number' ? details.attempts : null, lastDraft: details.lastDraft };
}

export const draftsApi = {
  /** A new draft from `prompt`, or `baseDraft` refined as a whole. */
  draft: ({ prompt, baseDraft, timezone }: { prompt: string; baseDraft?: unknown; timezone?: string }, signal?: AbortSignal) =>
    request('/api/workflows/draft', {
      method: 'POST',
      body: { prompt, ...(baseDraft !== undefined ? { baseDraft } : {}), ...(timezone !== undefined ? { timezone } : {}) },
      schema: DraftResponse,
      ...(signal ? { signal } : {}),
    }),
  /** Only step `stepId` may change; the server enforces it. */
  refineStep: ({ definition, stepId, prompt }: { definition: unknown; stepId: string; prompt: string }, signal?: AbortSignal) =>
    request('/api/workflows/draft/step', { method: 'POST', body: { definition, stepId, prompt }, schema: DraftResponse, ...(signal ? { signal } : {}) }),
};
