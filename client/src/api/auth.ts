import { z } from 'zod';
import { request } from './http';
import { authStore } from '../store/auth-store';

export const HealthResponse = z.object({ ok: z.boolean(), version: z.string() });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** Also the session probe: it needs the token like every /api route. */
export function fetchHealth(signal?: AbortSignal): Promise<HealthResponse> {
  return request('/api/health', { schema: HealthResponse, ...(signal ? { signal } : {}) });
}

/** Exchanges the access token for the session cookie. Rejects with a 401 `ApiError` for a wrong token. */
export async function signIn(token: string): Promise<void> {
  await request('/auth/login', { method: 'POST', body: { token }, ignoreUnauthorized: true });
  authStore.setStatus('signed-in');
}

export async function signOut(): Promise<void> {
  await request('/auth/logout', { method: 'POST', ignoreUnauthorized: true });
  authStore.setStatus('signed-out');
}
