import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { json, mockFetch } from '../../test/fetch-mock';
import { authStore } from '../store/auth-store';
import { endPersonScope } from '../store/person-scope';
import { ApiError, IDEMPOTENT_RETRY_DELAYS_MS, issuesOf, request } from './http';

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

describe('idempotent requests', () => {
  it('send an Idempotency-Key, and send the same key again after no answer or a 503 storage_unavailable', async () => {
    vi.useFakeTimers();
    try {
      const keys: (string | undefined)[] = [];
      let calls = 0;
      vi.stubGlobal(
        'fetch',
        vi.fn((_path: string, init: RequestInit) => {
          keys.push((init.headers as Record<string, string>)['Idempotency-Key']);
          calls++;
          if (calls === 1) return Promise.reject(new TypeError('Failed to fetch'));
          if (calls === 2) return Promise.resolve(json(503, { error: { code: 'storage_unavailable', message: 'disk full' } }));
          return Promise.resolve(json(202, { executionId: 'ex_1' }));
        }),
      );
      const answer = request('/api/workflows/wf/run', { method: 'POST', body: {}, schema: z.object({ executionId: z.string() }), idempotent: true });
      await vi.runAllTimersAsync();
      expect(await answer).toEqual({ executionId: 'ex_1' });
      expect(keys).toHaveLength(3);
      expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
      expect(new Set(keys).size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('give up after three tries, do not retry other errors, and use a new key for each call', async () => {
    vi.useFakeTimers();
    try {
      const keys: string[] = [];
      const fetchMock = vi.fn((_path: string, init: RequestInit) => {
        keys.push((init.headers as Record<string, string>)['Idempotency-Key']!);
        return Promise.reject(new TypeError('Failed to fetch'));
      });
      vi.stubGlobal('fetch', fetchMock);
      const failing = request('/api/sessions', { method: 'POST', body: {}, idempotent: true }).catch((e: unknown) => e);
      await vi.runAllTimersAsync();
      expect(await failing).toMatchObject({ code: 'network' });
      expect(fetchMock).toHaveBeenCalledTimes(3);

      const refusals = [422, 409, 500].map((status) => json(status, { error: { code: `refused_${status}`, message: 'no' } }));
      vi.stubGlobal(
        'fetch',
        vi.fn((_path: string, init: RequestInit) => {
          keys.push((init.headers as Record<string, string>)['Idempotency-Key']!);
          return Promise.resolve(refusals.shift()!);
        }),
      );
      for (const status of [422, 409, 500]) {
        await expect(request('/api/sessions', { method: 'POST', body: {}, idempotent: true })).rejects.toMatchObject({ status });
      }
      expect(keys).toHaveLength(6);
      expect(new Set(keys).size).toBe(4);
      // Without `idempotent`, no key.
      const plain = mockFetch({ 'POST /api/sessions': json(201, {}) }).fetchMock;
      await request('/api/sessions', { method: 'POST', body: {} });
      const init = plain.mock.calls[0]?.[1];
      expect((init?.headers as Record<string, string> | undefined)?.['Idempotency-Key']).toBeUndefined();
      expect(init?.headers).toBeDefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a request of a sign-in that ended', () => {
  /** `fetch` answering each request when the test says, with the init it was called with. */
  function heldFetch() {
    const calls: { init: RequestInit; answer: (response: Response) => void }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((_path: string, init: RequestInit) => new Promise<Response>((answer) => calls.push({ init, answer }))),
    );
    return calls;
  }

  it('is aborted at sign-out, and an answer that still comes back is dropped: no data, and nobody signed back in', async () => {
    const calls = heldFetch();
    authStore.setStatus('signed-in');
    const late = request('/api/approvals/apr_1', { schema: z.object({ id: z.string() }) }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    endPersonScope();
    authStore.setStatus('signed-out');
    expect(calls[0]!.init.signal?.aborted).toBe(true);
    // The answer was already on its way.
    calls[0]!.answer(json(200, { id: 'apr_1' }));
    expect(await late).toMatchObject({ name: 'AbortError' });
    expect(authStore.getStatus()).toBe('signed-out');
  });

  it('answers 401 to the person who left without signing out whoever signed in since', async () => {
    const calls = heldFetch();
    authStore.setStatus('signed-in');
    const late = request('/api/workflows').catch((e: unknown) => e);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    endPersonScope();
    authStore.setStatus('signed-out');
    // The next person signs in; then the first person's request comes back 401.
    authStore.setStatus('signed-in');
    calls[0]!.answer(json(401, { error: { code: 'unauthorized', message: 'session ended' } }));
    expect(await late).toMatchObject({ name: 'AbortError' });
    expect(authStore.getStatus()).toBe('signed-in');
  });

  it("stops an idempotent request's retries, and leaves the caller's signal without listeners", async () => {
    const calls = heldFetch();
    const caller = new AbortController();
    const added = vi.spyOn(caller.signal, 'addEventListener');
    const removed = vi.spyOn(caller.signal, 'removeEventListener');
    const run = request('/api/workflows/wf/run', { method: 'POST', body: {}, idempotent: true, signal: caller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    calls[0]!.answer(json(503, { error: { code: 'storage_unavailable', message: 'disk full' } }));
    // Waiting before the second try when the person signs out: no second try.
    await new Promise((resolve) => setTimeout(resolve, 20));
    endPersonScope();
    expect(await run).toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, IDEMPOTENT_RETRY_DELAYS_MS[0]! + 100));
    expect(calls).toHaveLength(1);
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
  });

  it('a request made after the sign-out belongs to the next sign-in and is answered', async () => {
    endPersonScope();
    mockFetch({ 'GET /api/me': json(200, { ok: true }) });
    expect(await request('/api/me', { schema: z.object({ ok: z.boolean() }) })).toEqual({ ok: true });
    expect(authStore.getStatus()).toBe('signed-in');
  });
});
