import { flushMeasurements } from '../../../test/react-flow-shims';
import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../../test/fake-live';
import { json, mockFetch, signedIn } from '../../../test/fetch-mock';
import { endLiveTest, startLiveTest } from '../../../test/live-test';
import { renderApp } from '../../../test/render-app';
import { conditionalDefinition } from '../../diagram/fixtures/definitions';

/** The workflow page's proposals card follows `proposal.updated` on the workflows topic. */

const AT = '2025-01-03T10:00:00.000Z';
const current = { id: 'wf_1', version: 2, definition: conditionalDefinition, createdAt: AT, updatedAt: AT };
const proposal = (status: string, workflowId = 'wf_1') => ({
  id: 'prop_1',
  workflowId,
  baseVersion: 2,
  definition: conditionalDefinition,
  diff: [],
  summary: 'Faster build, smoke test',
  status,
  proposedBy: 'assistant',
  sessionId: null,
  createdAt: AT,
  reviewedBy: null,
  reviewedAt: null,
  reviewComment: null,
  appliedVersion: status === 'applied' ? 3 : null,
});

let live: FakeLive;
beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

describe('proposals card', () => {
  it('shows a proposal made elsewhere, and drops it once applied, without a reload; another workflow’s is not read', async () => {
    let stored: ReturnType<typeof proposal>[] = [];
    const { requests } = mockFetch({
      'GET /api/me': signedIn,
      'GET /api/health': json(200, { ok: true, version: 'test' }),
      'GET /api/workflows': json(200, { workflows: [] }),
      'GET /api/workflows/wf_1': json(200, current),
      'GET /api/workflows/wf_1/versions': json(200, { versions: [] }),
      'GET /api/workflows/wf_1/proposals': () => json(200, { proposals: stored }),
      'GET /api/events': ({ path }) =>
        json(200, { events: [], lastSeq: live.lastSeq(new URL(path, 'http://x').searchParams.get('topic') ?? ''), hasMore: false }),
    });
    const reads = () => requests.filter((r) => r.path === '/api/workflows/wf_1/proposals').length;
    renderApp('/automation/workflows/wf_1');
    await screen.findByRole('heading', { name: 'Branching', level: 1 });
    await flushMeasurements();
    await waitFor(() => expect(live.isSubscribed('workflows')).toBe(true));
    await waitFor(() => expect(reads()).toBeGreaterThanOrEqual(1));
    expect(screen.queryByTestId('proposals')).toBeNull();

    // The assistant proposes a change in a chat.
    stored = [proposal('open')];
    act(() => void live.append('workflows', 'proposal.updated', proposal('open')));
    const card = await screen.findByTestId('proposals');
    expect(within(card).getByText('Faster build, smoke test')).toBeTruthy();

    // Another workflow's proposal, and other events on the topic, read nothing.
    const before = reads();
    act(() => {
      live.append('workflows', 'proposal.updated', proposal('open', 'wf_2'));
      live.append('workflows', 'workflow.updated', { id: 'wf_1' });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads()).toBe(before);

    // Applied from the chat: it leaves the card.
    stored = [proposal('applied')];
    act(() => void live.append('workflows', 'proposal.updated', proposal('applied')));
    await waitFor(() => expect(screen.queryByTestId('proposals')).toBeNull());
  });
});
