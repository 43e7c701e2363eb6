import {
  type CreateTokenRequest,
  CreateTokenResponse,
  type InviteUserRequest,
  InviteInfo,
  InviteUserResponse,
  SessionsResponse,
  type SetupRequest,
  TokensResponse,
  type UpdateUserRequest,
  UserResponse,
  UsersResponse,
} from '@weft/shared';
import { authStore } from '../store/auth-store';
import { request } from './http';

const opt = (signal?: AbortSignal) => (signal ? { signal } : {});

export const peopleKeys = {
  users: ['people', 'users'] as const,
  sessions: ['people', 'sessions'] as const,
  tokens: ['people', 'tokens'] as const,
  invite: (code: string) => ['people', 'invite', code] as const,
};

/** Signs in with an email and password (the session cookie). Rejects with 401 for a wrong pair, 429 after too many. */
export async function signInWithPassword(body: { email: string; password: string }): Promise<void> {
  await request('/auth/password', { method: 'POST', body, ignoreUnauthorized: true });
  authStore.setStatus('signed-in');
}

/** Who an invite link is for (404 unknown or used, 410 expired). */
export const fetchInvite = (code: string, signal?: AbortSignal) =>
  request(`/auth/invite/${encodeURIComponent(code)}`, { schema: InviteInfo, ignoreUnauthorized: true, ...opt(signal) });

/** Sets the invited person's password and signs them in. */
export async function acceptInvite(body: { code: string; password: string }): Promise<void> {
  await request('/auth/invite', { method: 'POST', body, ignoreUnauthorized: true });
  authStore.setStatus('signed-in');
}

/** The owner's first-start setup: name, email and password. */
export const setUpOwner = (body: SetupRequest) => request('/api/me/setup', { method: 'POST', body });

export const peopleApi = {
  users: (signal?: AbortSignal) => request('/api/users', { schema: UsersResponse, ...opt(signal) }),
  invite: (body: InviteUserRequest) => request('/api/users', { method: 'POST', body, schema: InviteUserResponse }),
  update: (id: string, body: UpdateUserRequest) => request(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body, schema: UserResponse }),
  sessions: (signal?: AbortSignal) => request('/api/me/sessions', { schema: SessionsResponse, ...opt(signal) }),
  revokeSession: (id: string) => request(`/api/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  tokens: (signal?: AbortSignal) => request('/api/tokens', { schema: TokensResponse, ...opt(signal) }),
  createToken: (body: CreateTokenRequest) => request('/api/tokens', { method: 'POST', body, schema: CreateTokenResponse }),
  revokeToken: (id: string) => request(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
};
