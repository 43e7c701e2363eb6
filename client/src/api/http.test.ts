import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { json, mockFetch } from '../../test/fetch-mock';
import { authStore } from '../store/auth-store';
import { ApiError, issuesOf, request } from './http';

beforeEach(() => authStore.setStatus('unknown'));
afterEach(() => vi.unstubAllGlobals());

describe('request', () => {
  it('sends same-origin JSON and parses the response with the schema', async () => {
    const { fetchMock } = mockFetch({ 'POST /api/things': ({ body }) => json(201, { echoed: body }) });
    const result = await request('/api/things', { method: 'POST', body: { a: 1 }, schema: z.object({ echoed: z.object({ a: z.number() }) }) });
    expect(result).toEqual({ echoed: { a: 1 } });
    const init = fetchMock.mock.calls[0]?.[1];
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect((init!.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(authStore.getStatus()).toBe('signed-in');
  });

  it('turns the error body into an ApiError with status, code, message and details', async () => {
    const details = { errors: [{ path: 'steps[0].command', message: 'required' }] };
    mockFetch({ 'POST /api/workflows': json(422, { error: { code: 'invalid_definition', message: 'definition is invalid', details } }) });
    const error = await request('/api/workflows', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'invalid_definition', message: 'definition is invalid', details });
    expect(issuesOf(error)).toEqual(details.errors);
  });

  it('marks the session signed out on 401, except where 401 means a wrong token', async () => {
    mockFetch({
      'GET /api/health': json(401, { error: { code: 'unauthorized', message: 'access token required' } }),
      'POST /auth/login': json(401, { error: { code: 'unauthorized', message: 'access token is invalid' } }),
    });
    authStore.setStatus('signed-in');
    await expect(request('/auth/login', { method: 'POST', body: { token: 'x' }, ignoreUnauthorized: true })).rejects.toMatchObject({ status: 401 });
    expect(authStore.getStatus()).toBe('signed-in');
    await expect(request('/api/health')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(authStore.getStatus()).toBe('signed-out');
  });

  it('reports unexpected bodies and unreachable servers as ApiErrors', async () => {
    mockFetch({ 'GET /api/health': json(200, { nope: true }), 'GET /api/html': new Response('<html>', { status: 502 }) });
    await expect(request('/api/health', { schema: z.object({ ok: z.boolean() }) })).rejects.toMatchObject({ code: 'invalid_response' });
    await expect(request('/api/html')).rejects.toMatchObject({ status: 502, code: 'http_502' });
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(request('/api/health')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
