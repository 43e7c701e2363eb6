import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { FakeLive } from '../../test/fake-live';
import { type Handler, json, mockFetch, type RecordedRequest, signedInAs, unauthorized } from '../../test/fetch-mock';
import { endLiveTest, startLiveTest } from '../../test/live-test';
import { renderApp } from '../../test/render-app';
import type { InboxApproval } from '../api/approvals';
import { request } from '../api/http';
import { getLiveSocket, useTopicBatches } from '../api/live-socket';
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
/** The routes below; a test adds its own (an answer it holds back). */
let routes: Record<string, Handler | Response>;
let requests: RecordedRequest[];

beforeEach(() => {
  live = startLiveTest();
  who = 'alice';
  const signedIn = (answer: () => Response) => () => (who === 'nobody' ? unauthorized() : answer());
  routes = {
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
  };
  ({ requests } = mockFetch(routes));
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

/** An answer the test holds back until it says so: the request is in flight meanwhile. */
function heldAnswer() {
  let release: (response: Response) => void = () => {};
  const answer = new Promise<Response>((resolve) => {
    release = resolve;
  });
  return { handler: () => answer, release };
}

const asked = (method: string, path: string) => requests.some((r) => r.method === method && r.path === path);

/** Lets a released answer travel through `request()`, React Query and the stores. */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 50)));

async function signOutWithTheButton() {
  fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
  await waitFor(() => expect(authStore.getStatus()).toBe('signed-out'));
  await screen.findByRole('heading', { name: 'Sign in' });
}

const approval = (id: string, fields: Partial<InboxApproval> = {}) => ({ ...alicesApproval, id, ...fields }) as InboxApproval;

/**
 * Everything that happens from now on to approval `id` in the store and to the auth status: an
 * answer put back and cleared again by a later reset would otherwise go unseen.
 */
function watch(id: string) {
  const approvals: (InboxApproval | undefined)[] = [];
  const statuses: string[] = [];
  const stops = [approvalsStore.subscribe(id, () => approvals.push(approvalsStore.get(id))), authStore.subscribe(() => statuses.push(authStore.getStatus()))];
  onTestFinished(() => {
    for (const stop of stops) stop();
  });
  return {
    /** Nothing of `id` came back, and nobody was signed in again. */
    expectNothingPutBack() {
      expect(approvals.filter((a) => a !== undefined)).toEqual([]);
      expect(statuses).not.toContain('signed-in');
      expect(approvalsStore.get(id)).toBeUndefined();
      expect(authStore.getStatus()).toBe('signed-out');
    },
  };
}

describe('an answer to a sign-in that ended puts nothing back', () => {
  it("the approvals feed's fetch of a requested approval, answered after sign-out: dropped, and nobody is signed back in; the next person's answers land", async () => {
    const late = heldAnswer();
    routes['GET /api/approvals/apr_late'] = late.handler;
    routes['GET /api/approvals/apr_bob'] = () => json(200, approval('apr_bob', { message: "Bob's deploy?", mayDecide: true }));
    await aliceSignedIn();
    live.append('approvals', 'approval.requested', approval('apr_late'));
    await waitFor(() => expect(asked('GET', '/api/approvals/apr_late')).toBe(true));

    await signOutWithTheButton();
    expect(approvalsStore.get('apr_late')).toBeUndefined();
    const watched = watch('apr_late');
    late.release(json(200, approval('apr_late', { mayDecide: true })));
    await settle();
    // Not put back; and a success for the person who left is no sign that anyone is signed in.
    watched.expectNothingPutBack();
    expect(approvalsStore.pendingIds()).toEqual([]);
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeDefined();

    // Bob, signed in next in the tab: his own requests and events fill the store as ever.
    who = 'bob';
    authStore.setStatus('signed-in');
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    live.append('approvals', 'approval.requested', approval('apr_bob', { message: "Bob's deploy?" }));
    await waitFor(() => expect(approvalsStore.get('apr_bob')?.mayDecide).toBe(true));
  });

  it("a decision's answer after sign-out does not put the approval back", async () => {
    const decided = heldAnswer();
    routes['POST /api/approvals/apr_alice/decision'] = decided.handler;
    renderApp('/approvals');
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    fireEvent.click(await screen.findByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(asked('POST', '/api/approvals/apr_alice/decision')).toBe(true));

    await signOutWithTheButton();
    const watched = watch('apr_alice');
    decided.release(
      json(
        200,
        approval('apr_alice', {
          status: 'approved',
          decision: { decision: 'approve', decidedBy: 'alice', decidedAt: new Date().toISOString(), comment: null },
          decisions: [{ by: { id: 'alice', name: 'Alice' }, decision: 'approve', comment: null, at: new Date().toISOString() }],
          mayDecide: false,
        }),
      ),
    );
    await settle();
    watched.expectNothingPutBack();
  });

  it('the decided list answered after sign-out does not fill the store', async () => {
    const list = heldAnswer();
    routes['GET /api/approvals?status=decided&limit=100'] = list.handler;
    renderApp('/approvals?tab=decided');
    await screen.findByRole('button', { name: 'Sign out' });
    await waitFor(() => expect(asked('GET', '/api/approvals?status=decided&limit=100')).toBe(true));

    await signOutWithTheButton();
    const watched = watch('apr_old');
    list.release(json(200, { approvals: [approval('apr_old', { status: 'denied' })] }));
    await settle();
    watched.expectNothingPutBack();
  });
});

/** A page following `approvals` in batches, as the chat and the run page follow theirs. */
function ApprovalsBatches() {
  useTopicBatches('approvals', (events) => {
    for (const event of events) approvalsStore.applyEventData(event.data);
  });
  return null;
}

describe('a socket event of a sign-in that ended is dropped', () => {
  it('a batch received before sign-out and due at the next frame never reaches the store; before it, events land', async () => {
    render(<ApprovalsBatches />);
    await waitFor(() => expect(live.isSubscribed('approvals')).toBe(true));
    act(() => {
      live.append('approvals', 'approval.requested', approval('apr_first'));
    });
    await waitFor(() => expect(approvalsStore.get('apr_first')).toBeDefined());

    act(() => {
      live.append('approvals', 'approval.requested', approval('apr_queued'));
      // Received, waiting for its animation frame, when the person signs out.
      resetPersonState();
    });
    await settle();
    expect(approvalsStore.get('apr_queued')).toBeUndefined();
    expect(approvalsStore.pendingIds()).toEqual([]);
  });
});
