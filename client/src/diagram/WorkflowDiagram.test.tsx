import { flushMeasurements } from '../../test/react-flow-shims';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStepStatusStore, type StepState } from '../store/step-status-store';
import { conditionalDefinition, linearDefinition, loopDefinition } from './fixtures/definitions';
import { VISIBLE_ONLY_FROM, WorkflowDiagram } from './WorkflowDiagram';

// Every step node reads its status through `useStepDisplay` exactly once per
// render, so counting calls per step id counts node renders.
const renders = vi.hoisted(() => new Map<string, number>());
vi.mock('./use-step-display', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./use-step-display')>();
  return {
    ...actual,
    useStepDisplay: (stepId: string, loopIds: readonly string[]) => {
      renders.set(stepId, (renders.get(stepId) ?? 0) + 1);
      return actual.useStepDisplay(stepId, loopIds);
    },
  };
});

const nodeOf = (stepId: string): HTMLElement => {
  const node = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${stepId}"]`);
  if (node === null) throw new Error(`node ${stepId} not rendered`);
  return node;
};
const statusOf = (stepId: string) => nodeOf(stepId).querySelector('[data-status]')?.getAttribute('data-status');

function Sized({ children }: { children: React.ReactNode }) {
  return <div style={{ width: 1000, height: 800 }}>{children}</div>;
}

async function renderDiagram(ui: React.ReactElement) {
  const result = render(ui, { wrapper: Sized });
  await flushMeasurements();
  return result;
}

beforeEach(() => renders.clear());
afterEach(cleanup);

describe('WorkflowDiagram', async () => {
  it('renders one node per step with its name or id and key parameter', async () => {
    await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="view" />);
    expect(within(nodeOf('summarise')).getByText('Summarise notes')).toBeTruthy();
    expect(within(nodeOf('summarise')).getByText('Summarise: …')).toBeTruthy();
    expect(within(nodeOf('fetch')).getByText('fetch')).toBeTruthy();
    expect(within(nodeOf('fetch')).getByText('GET https://example.com/notes')).toBeTruthy();
    expect(within(nodeOf('announce')).getByText(/^Done:/)).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Workflow diagram' })).toBeTruthy();
  });

  it('renders each node once when it mounts: nodes and edges are final on the first render', async () => {
    await renderDiagram(<WorkflowDiagram definition={conditionalDefinition} mode="view" />);
    expect(Object.fromEntries(renders)).toEqual({ build: 1, check_env: 1, ask: 1, tell: 1, deploy: 1 });
    expect(document.querySelectorAll('.react-flow__edge')).toHaveLength(5);
  });

  it('labels conditional branches and renders approvals as gates', async () => {
    await renderDiagram(<WorkflowDiagram definition={conditionalDefinition} mode="view" />);
    expect(screen.getByText('then')).toBeTruthy();
    expect(document.querySelectorAll('.react-flow__edge')).toHaveLength(5);
    expect(screen.getByText('else')).toBeTruthy();
    expect(nodeOf('check_env').querySelector('.wf-node--decision')).not.toBeNull();
    expect(nodeOf('ask').querySelector('.wf-node--gate')).not.toBeNull();
    expect(within(nodeOf('ask')).getByText('Gate')).toBeTruthy();
  });

  it('shows the loop group with what it iterates over', async () => {
    await renderDiagram(<WorkflowDiagram definition={loopDefinition} mode="view" />);
    const group = nodeOf('each_region');
    expect(group.textContent).toContain('for each region in inputs.regions');
    expect(nodeOf('deploy_region')).toBeTruthy();
  });

  it('shows no status in view mode', async () => {
    await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="view" stepStates={[{ stepId: 'fetch', iterationPath: '', status: 'running' }]} />);
    expect(statusOf('fetch')).toBeUndefined();
  });

  it('overlays status and duration in runtime mode and follows store updates', async () => {
    const store = createStepStatusStore();
    await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="runtime" statusStore={store} />);
    expect(statusOf('fetch')).toBe('none');
    expect(within(nodeOf('fetch')).getByText('Not started')).toBeTruthy();

    act(() => store.apply({ stepId: 'fetch', iterationPath: '', status: 'running', attempt: 1, startedAt: new Date().toISOString() }));
    expect(statusOf('fetch')).toBe('running');
    expect(nodeOf('fetch').querySelector('.wf-node.is-running')).not.toBeNull();
    expect(within(nodeOf('fetch')).getByText('Running')).toBeTruthy();

    act(() =>
      store.apply({
        stepId: 'fetch',
        iterationPath: '',
        status: 'failed',
        attempt: 1,
        startedAt: '2025-01-01T10:00:00.000Z',
        finishedAt: '2025-01-01T10:00:01.500Z',
      }),
    );
    expect(nodeOf('fetch').querySelector('.wf-node.is-failed')).not.toBeNull();
    expect(within(nodeOf('fetch')).getByText('Failed')).toBeTruthy();
    expect(within(nodeOf('fetch')).getByText('1.5 s')).toBeTruthy();
  });

  it('re-renders only the node whose status changed', async () => {
    const store = createStepStatusStore();
    await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="runtime" statusStore={store} />);
    const before = new Map(renders);
    expect(before.get('fetch')).toBeGreaterThan(0);

    act(() => store.apply({ stepId: 'summarise', iterationPath: '', status: 'running', startedAt: '2025-01-01T10:00:00.000Z' }));
    expect(statusOf('summarise')).toBe('running');
    expect(renders.get('summarise')).toBeGreaterThan(before.get('summarise') ?? 0);
    expect(renders.get('fetch')).toBe(before.get('fetch'));
    expect(renders.get('announce')).toBe(before.get('announce'));
  });

  it('syncs the stepStates prop, re-rendering only changed nodes', async () => {
    const states: StepState[] = [
      { stepId: 'fetch', iterationPath: '', status: 'succeeded', startedAt: '2025-01-01T10:00:00Z', finishedAt: '2025-01-01T10:00:02Z' },
      { stepId: 'summarise', iterationPath: '', status: 'running', startedAt: '2025-01-01T10:00:02Z' },
    ];
    const { rerender } = await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="runtime" stepStates={states} />);
    expect(statusOf('fetch')).toBe('succeeded');
    expect(statusOf('summarise')).toBe('running');
    const before = new Map(renders);

    const next: StepState[] = [states[0]!, { ...states[1]!, status: 'succeeded', finishedAt: '2025-01-01T10:00:05Z' }];
    rerender(<WorkflowDiagram definition={linearDefinition} mode="runtime" stepStates={next} />);
    expect(statusOf('summarise')).toBe('succeeded');
    expect(renders.get('fetch')).toBe(before.get('fetch'));
    expect(renders.get('announce')).toBe(before.get('announce'));
  });

  it('shows loop iterations as tabs and filters body statuses by the chosen one', async () => {
    const states: StepState[] = [
      { stepId: 'each_region', iterationPath: '', status: 'running', startedAt: '2025-01-01T10:00:00Z' },
      { stepId: 'deploy_region', iterationPath: 'each_region[0]', status: 'succeeded', startedAt: '2025-01-01T10:00:00Z', finishedAt: '2025-01-01T10:00:03Z' },
      { stepId: 'deploy_region', iterationPath: 'each_region[1]', status: 'failed', startedAt: '2025-01-01T10:00:04Z', finishedAt: '2025-01-01T10:00:05Z' },
    ];
    await renderDiagram(<WorkflowDiagram definition={loopDefinition} mode="runtime" stepStates={states} />);
    const tabs = within(nodeOf('each_region')).getByRole('group', { name: 'Show iteration' });
    expect(
      within(tabs)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['All', '#1', '#2']);
    // "All" sums the iterations up: the most urgent status wins.
    expect(statusOf('deploy_region')).toBe('failed');
    expect(within(nodeOf('deploy_region')).getByText(/1\/2/)).toBeTruthy();

    fireEvent.click(within(tabs).getByRole('button', { name: '#1' }));
    expect(statusOf('deploy_region')).toBe('succeeded');
    expect(within(tabs).getByRole('button', { name: '#1' }).getAttribute('aria-pressed')).toBe('true');
    expect(statusOf('verify_region')).toBe('none');

    fireEvent.click(within(tabs).getByRole('button', { name: '#2' }));
    expect(statusOf('deploy_region')).toBe('failed');
  });

  it('reports clicks and Enter on nodes through onSelectStep and marks the selected node', async () => {
    const onSelectStep = vi.fn();
    const { rerender } = await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="edit" onSelectStep={onSelectStep} />);
    fireEvent.click(nodeOf('summarise'));
    expect(onSelectStep).toHaveBeenLastCalledWith('summarise');
    fireEvent.keyDown(nodeOf('announce'), { key: 'Enter' });
    expect(onSelectStep).toHaveBeenLastCalledWith('announce');

    const before = new Map(renders);
    rerender(<WorkflowDiagram definition={linearDefinition} mode="edit" onSelectStep={onSelectStep} selectedStepId="summarise" />);
    expect(nodeOf('summarise').querySelector('.wf-node.is-selected')).not.toBeNull();
    expect(nodeOf('fetch').querySelector('.is-selected')).toBeNull();
    expect(renders.get('fetch')).toBe(before.get('fetch'));
  });

  it('offers "Follow running step", off by default, in runtime mode only', async () => {
    const { rerender } = await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="runtime" />);
    const toggle = screen.getByRole('checkbox', { name: 'Follow running step' }) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    expect(toggle.checked).toBe(true);
    rerender(<WorkflowDiagram definition={linearDefinition} mode="view" />);
    expect(screen.queryByRole('checkbox', { name: 'Follow running step' })).toBeNull();
  });

  it('keeps positions when only labels change', async () => {
    const { rerender } = await renderDiagram(<WorkflowDiagram definition={linearDefinition} mode="edit" />);
    const transform = nodeOf('announce').style.transform;
    const renamed = { ...linearDefinition, steps: linearDefinition.steps.map((s) => (s.id === 'fetch' ? { ...s, name: 'Fetch the notes' } : s)) };
    rerender(<WorkflowDiagram definition={renamed} mode="edit" />);
    expect(within(nodeOf('fetch')).getByText('Fetch the notes')).toBeTruthy();
    expect(nodeOf('announce').style.transform).toBe(transform);
  });

  it('renders only the nodes in view once a diagram is large, and those still follow the store', async () => {
    const steps = Array.from({ length: VISIBLE_ONLY_FROM + 50 }, (_, i) => ({ id: `s${i}`, type: 'notify', message: `note ${i}` }));
    const store = createStepStatusStore();
    await renderDiagram(<WorkflowDiagram definition={{ steps } as typeof linearDefinition} mode="runtime" statusStore={store} />);
    const rendered = document.querySelectorAll('.react-flow__node').length;
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(steps.length / 2);
    expect(document.querySelector('.react-flow__node[data-id="s199"]')).toBeNull();

    const before = new Map(renders);
    act(() => {
      store.apply({ stepId: 's0', iterationPath: '', status: 'running', attempt: 1, startedAt: '2025-01-01T10:00:00.000Z' });
      store.apply({
        stepId: 's199',
        iterationPath: '',
        status: 'failed',
        attempt: 1,
        startedAt: '2025-01-01T10:00:00.000Z',
        finishedAt: '2025-01-01T10:00:01.000Z',
      });
    });
    expect(statusOf('s0')).toBe('running');
    expect(renders.get('s1')).toBe(before.get('s1'));
    expect(renders.has('s199')).toBe(false);
  });
});
