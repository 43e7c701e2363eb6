import { HealthResponse, MeResponse } from '@weft/shared';
import { request } from './http';
import { authStore } from '../store/auth-store';

/** The session probe: who this browser is signed in as; 401 when it is not. */
export function fetchMe(signal?: AbortSignal): Promise<MeResponse> {
  return request('/api/me', { schema: MeResponse, ...(signal ? { signal } : {}) });
}

/** The sign-in page's check for an existing session: a 401 here is expected and flips nothing. */
export function probeSession(signal?: AbortSignal): Promise<MeResponse> {
  return request('/api/me', { schema: MeResponse, ignoreUnauthorized: true, ...(signal ? { signal } : {}) });
}

/** Public, so it says nothing about the session (and never flips it); the version needs a credential. */
export function fetchHealth(signal?: AbortSignal): Promise<HealthResponse> {
  return request('/api/health', { schema: HealthResponse, ignoreUnauthorized: true, ...(signal ? { signal } : {}) });
}

/** Exchanges the access token for a session cookie. Rejects with a 401 `ApiError` for a wrong token, 429 after too many. */
export async function signIn(token: string): Promise<void> {
  await request('/auth/login', { method: 'POST', body: { token }, ignoreUnauthorized: true });
  authStore.setStatus('signed-in');
}

/** Ends the session on the server (the cookie no longer works anywhere), then here. */
export async function signOut(): Promise<void> {
  await request('/auth/logout', { method: 'POST', ignoreUnauthorized: true });
  authStore.setStatus('signed-out');
}
