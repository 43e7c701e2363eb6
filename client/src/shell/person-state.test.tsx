import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { json, mockFetch, signedInAs, unauthorized } from '../../test/fetch-mock';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { renderApp } from '../../test/render-app';
import type { InboxApproval } from '../api/approvals';
import { request } from '../api/http';
import { getLiveSocket } from '../api/live-socket';
import { approvalsStore } from '../approvals/approvals-store';
import { authStore, createAuthStore } from '../store/auth-store';
import { resetOnSignOut, resetPersonState } from './person-state';
import { savedDrafts } from '../chat/saved-drafts';

/**
 * Signing out, by the button or by a 401 from any request, drops what the app held for the person:
 * the shared live socket (closed, its subscriptions gone) and the approvals store. The next person
 * signing in in the same tab sees none of the previous person's approvals, on a new socket.
 */

const alicesApproval = {
  kind: 'step',
  id: 'apr_alice',
  executionId: 'ex_1',
  workflowId: 'wf_1',
  stepId: 'sign_off',
  iterationPath: '',
  message: 'Deploy build 42?',
  approvers: {},
  requestedAt: new Date(Date.now() - 60_000).toISOString(),
  expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  status: 'pending',
} as InboxApproval;

let live: FakeLive;
/** Who the server says is signed in: Alice, nobody (401s), then Bob. */
let who: 'alice' | 'nobody' | 'bob';

beforeEach(() => {
  live = startLiveTest();
  who = 'alice';
  const signedIn = (answer: () => Response) => () => (who === 'nobody' ? unauthorized() : answer());
  mockFetch({
    'GET /api/me': signedIn(() =>
      who === 'alice'
        ? signedInAs({ id: 'alice', name: 'Alice', role: 'admin' })()
        : signedInAs({ id: 'bob', name: 'Bob', role: 'viewer', scopes: ['read'] })(),
    ),
    'GET /api/health': json(200, { ok: true }),
    'GET /api/workflows': signedIn(() => json(200, { workflows: [] })),
    'GET /api/events': signedIn(() => json(200, { events: [], lastSeq: 0, hasMore: false })),
    'GET /api/approvals?status=pending': signedIn(() => json(200, { approvals: who === 'alice' ? [alicesApproval] : [] })),
    'POST /auth/logout': () => {
      who = 'nobody';
      return json(204);
    },
  });
});
afterEach(() => endLiveTest());

/** Alice in the app: her approval counted in the badge, the socket following `approvals`. */
async function aliceSignedIn() {
  const app = renderApp('/automation/workflows');
  await screen.findByText('1 pending');
  await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
  expect(approvalsStore.get('apr_alice')).toBeDefined();
  return app;
}

/** Everything of Alice's is gone: no approval, no open socket, nothing followed. */
function expectNothingOfAlice() {
  expect(approvalsStore.get('apr_alice')).toBeUndefined();
  expect(approvalsStore.pendingIds()).toEqual([]);
  expect(live.sockets.every((s) => s.readyState === 3)).toBe(true);
  expect(live.isSubscribed('approvals')).toBe(false);
}

describe("signing out resets the person's live state", () => {
  it('a 401 from any request: the socket closes, the approvals go, and the next person sees none of them', async () => {
    await aliceSignedIn();
    who = 'nobody';
    await expect(request('/api/workflows')).rejects.toMatchObject({ status: 401 });
    expect(authStore.getStatus()).toBe('signed-out');
    expectNothingOfAlice();

    // Bob signs in in the same tab.
    who = 'bob';
    authStore.setStatus('signed-in');
    await screen.findByRole('button', { name: 'Sign out' });
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    expect(live.sockets.filter((s) => s.readyState === 1)).toHaveLength(1);
    expect(live.sockets[0]!.readyState).toBe(3);
    expect(approvalsStore.get('apr_alice')).toBeUndefined();
    expect(screen.queryByText('1 pending')).toBeNull();
  });

  it('the Sign out button: the socket closes and the approvals go', async () => {
    await aliceSignedIn();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(authStore.getStatus()).toBe('signed-out'));
    await waitFor(() => expectNothingOfAlice());
  });
});

describe('resetOnSignOut', () => {
  it('resets when signed-in becomes signed-out, not on a first load that finds no session', () => {
    const store = createAuthStore();
    const reset = vi.fn();
    const stop = resetOnSignOut(store, reset);
    store.setStatus('signed-out');
    expect(reset).not.toHaveBeenCalled();
    store.setStatus('signed-in');
    store.setStatus('signed-out');
    expect(reset).toHaveBeenCalledTimes(1);
    stop();
    store.setStatus('signed-in');
    store.setStatus('signed-out');
    expect(reset).toHaveBeenCalledTimes(1);
  });

  it('resetPersonState drops the shared socket: the next use opens a new one', async () => {
    const first = getLiveSocket();
    first.subscribe('approvals', { onEvent: () => {} });
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    approvalsStore.upsert(alicesApproval);
    savedDrafts.set('msg_alice#0', { id: 'wf_alice', name: "Alice's draft" });
    resetPersonState();
    expectNothingOfAlice();
    expect(savedDrafts.get('msg_alice#0')).toBeNull();
    expect(getLiveSocket()).not.toBe(first);
  });
});
