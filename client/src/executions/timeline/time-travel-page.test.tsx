import { flushMeasurements } from '../../../test/react-flow-shims';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLive } from '../../../test/fake-live';
import { json, mockFetch, signedIn } from '../../../test/fetch-mock';
import { endLiveTest, startLiveTest } from '../../../test/live-test';
import { renderApp } from '../../../test/render-app';

const TOPIC = 'execution:ex_1';
const created = new Date(Date.now() - 60_000).toISOString();
const definition = {
  name: 'Ship',
  steps: [
    { id: 'build', type: 'bash', name: 'Build', command: 'make' },
    { id: 'deploy', type: 'bash', name: 'Deploy', command: './deploy.sh' },
  ],
};
const summary = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 1,
  workflowName: 'Ship',
  status,
  inputs: {},
  trigger: null,
  sessionId: null,
  createdAt: created,
  startedAt: created,
  finishedAt: null,
  rerunOf: null,
  ...extra,
});
const step = (stepId: string, status: string, extra: Record<string, unknown> = {}) => ({
  executionId: 'ex_1',
  stepId,
  iterationPath: '',
  attempt: 1,
  status,
  startedAt: created,
  finishedAt: null,
  ...extra,
});

let live: FakeLive;
beforeEach(() => {
  live = startLiveTest();
});
afterEach(endLiveTest);

const node = (id: string) => document.querySelector(`.react-flow__node[data-id="${id}"] [data-status]`)?.getAttribute('data-status');
const pause = (ms: number) => act(() => new Promise((resolve) => setTimeout(resolve, ms)));

/** A finished run whose journal is: build succeeded, (pause), deploy failed. Returns the instant between them. */
async function failedRun(): Promise<string> {
  const done = new Date().toISOString();
  live.append(TOPIC, 'execution.updated', summary('running'));
  live.append(TOPIC, 'step.updated', step('build', 'running'));
  const built = live.append(TOPIC, 'step.updated', step('build', 'succeeded', { finishedAt: done }));
  live.append(TOPIC, 'step.updated', step('deploy', 'running'));
  await new Promise((resolve) => setTimeout(resolve, 30));
  const failed = live.append(TOPIC, 'step.updated', step('deploy', 'failed', { finishedAt: new Date().toISOString() }));
  live.append(TOPIC, 'execution.updated', summary('failed', { finishedAt: failed.at }));
  mockFetch({
    'GET /api/me': signedIn,
    'GET /api/health': json(200, { ok: true, version: 'test' }),
    'GET /api/approvals': json(200, { approvals: [] }),
    'GET /api/executions/ex_1': json(200, {
      ...summary('failed', { finishedAt: failed.at }),
      steps: [step('build', 'succeeded', { finishedAt: built.at }), step('deploy', 'failed', { finishedAt: failed.at })].map(
        ({ executionId: _e, ...run }) => run,
      ),
    }),
    'GET /api/workflows/wf_1/versions/1': json(200, { id: 'wf_1', version: 1, definition, createdAt: created, updatedAt: created }),
  });
  return new Date((Date.parse(built.at) + Date.parse(failed.at)) / 2).toISOString();
}

async function open(path: string) {
  const app = renderApp(path);
  await screen.findByRole('region', { name: 'Run of Ship' });
  await flushMeasurements();
  return app;
}

describe('time travel on the run page', () => {
  it('?at= opens the run at that instant; End returns to the run as it is, and the address follows', async () => {
    const between = await failedRun();
    const { router } = await open(`/automation/executions/ex_1?at=${encodeURIComponent(between)}`);
    await waitFor(() => expect(node('build')).toBe('succeeded'));
    await waitFor(() => expect(node('deploy')).toBe('running'));
    expect(screen.getByText(/^Showing the run at /)).toBeTruthy();
    expect(screen.getAllByText('Running').length).toBeGreaterThan(0);

    const slider = screen.getByRole('slider', { name: 'Playhead' });
    fireEvent.keyDown(slider, { key: 'End' });
    await waitFor(() => expect(node('deploy')).toBe('failed'));
    expect(screen.getByText('Showing the run as it is now')).toBeTruthy();
    await pause(300);
    expect(router.state.location.search).toBe('');

    fireEvent.keyDown(slider, { key: 'Home' });
    await waitFor(() => expect(node('build')).not.toBe('succeeded'));
    await pause(300);
    expect(new URLSearchParams(router.state.location.search).get('at')).toBe(created);
  });

  it('an invalid ?at= is ignored with a notice: the run shows as it is', async () => {
    await failedRun();
    const { router } = await open('/automation/executions/ex_1?at=last%20tuesday&step=build');
    expect((await screen.findByText(/"last tuesday" is not an ISO date-time/)).getAttribute('role')).toBe('status');
    await waitFor(() => expect(node('deploy')).toBe('failed'));
    expect(screen.getByText('Showing the run as it is now')).toBeTruthy();
    // The bad value leaves the address; other parameters stay.
    await pause(300);
    expect(router.state.location.search).toBe('?step=build');
  });
});
