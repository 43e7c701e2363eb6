import { flushMeasurements } from '../../../test/react-flow-shims';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { WorkflowDefinition } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { VersionCompareView } from './VersionCompareView';

const before: WorkflowDefinition = {
  name: 'Disk',
  steps: [
    { id: 'check', type: 'bash', command: 'df -h /', retry: { maxAttempts: 2 } },
    { id: 'old', type: 'notify', message: 'bye' },
    { id: 'gate', type: 'conditional', condition: 'true', then: [{ id: 'warn', type: 'notify', message: 'low' }] },
    { id: 'same', type: 'notify', message: 'same' },
  ],
};
const after: WorkflowDefinition = {
  name: 'Disk',
  steps: [
    { id: 'check', type: 'bash', command: 'df -h /var', retry: { maxAttempts: 3 } },
    { id: 'gate', type: 'conditional', condition: 'true', then: [{ id: 'fresh', type: 'notify', message: '<img src=x onerror=alert(1)>' }] },
    { id: 'warn', type: 'notify', message: 'low' },
    { id: 'same', type: 'notify', message: 'same' },
  ],
};

afterEach(cleanup);

const side = (name: 'before' | 'after') => document.querySelector<HTMLElement>(`[data-side="${name}"]`)!;
const node = (where: 'before' | 'after', id: string) => side(where).querySelector<HTMLElement>(`.react-flow__node[data-id="${id}"]`);
const diffOf = (where: 'before' | 'after', id: string) => node(where, id)?.querySelector('[data-diff]')?.getAttribute('data-diff') ?? null;
/** Every step id on one side with the kinds it is marked with. */
const marked = (where: 'before' | 'after') =>
  Object.fromEntries([...side(where).querySelectorAll<HTMLElement>('[data-diff]')].map((el) => [el.dataset.stepId, el.dataset.diff]));

async function show() {
  render(
    <div style={{ width: 1400, height: 900 }}>
      <VersionCompareView before={before} after={after} beforeLabel="v1" afterLabel="v2" />
    </div>,
  );
  await flushMeasurements();
}

describe('VersionCompareView', () => {
  it('marks exactly the changed steps on each side: removed left, added right, changed and moved on both', async () => {
    await show();
    expect(marked('before')).toEqual({ check: 'changed', old: 'removed', warn: 'moved' });
    expect(marked('after')).toEqual({ check: 'changed', fresh: 'added', warn: 'moved' });
    expect(diffOf('after', 'same')).toBeNull();
    expect(diffOf('after', 'gate')).toBeNull();
  });

  it('labels each mark in words and lists the changed fields on the node', async () => {
    await show();
    const check = node('after', 'check')!;
    expect(within(check).getByText('Changed')).toBeTruthy();
    expect(within(check).getByTestId('diff-fields').textContent).toBe('Changed fields: command, retry.maxAttempts');
    expect(within(node('after', 'fresh')!).getByText('Added')).toBeTruthy();
    expect(within(node('before', 'old')!).getByText('Removed')).toBeTruthy();
    expect(within(node('before', 'warn')!).getByText('Moved')).toBeTruthy();
    const legend = screen.getByRole('list', { name: 'Changes by kind' });
    expect(
      within(legend)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['+ Added 1 step', '− Removed 1 step', '~ Changed 1 step', '↕ Moved 1 step']);
  });

  it('shows the field-level diff of a clicked step, selecting it on both sides', async () => {
    await show();
    fireEvent.click(node('after', 'check')!);
    const detail = await screen.findByTestId('step-change');
    const rows = within(detail).getAllByRole('row').slice(1);
    expect(rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent))).toEqual([
      ['command', '"df -h /"', '"df -h /var"'],
      ['retry.maxAttempts', '2', '3'],
    ]);
    expect(node('before', 'check')!.querySelector('.is-selected')).not.toBeNull();
  });

  it('renders hostile values as text and says where a moved step went', async () => {
    await show();
    fireEvent.click(node('after', 'fresh')!);
    const detail = await screen.findByTestId('step-change');
    expect(detail.querySelector('img')).toBeNull();
    expect(within(detail).getByText('"<img src=x onerror=alert(1)>"')).toBeTruthy();
    fireEvent.click(node('before', 'warn')!);
    expect(within(await screen.findByTestId('step-change')).getByText('steps[2].then[0]')).toBeTruthy();
    expect(within(screen.getByTestId('step-change')).getByText('steps[2]')).toBeTruthy();
  });

  it('says when nothing differs', async () => {
    render(<VersionCompareView before={before} after={before} beforeLabel="v1" afterLabel="v1" />);
    await flushMeasurements();
    expect(screen.getByText('No step differs.')).toBeTruthy();
    expect(document.querySelector('[data-diff]')).toBeNull();
  });

  it('lists workflow-level fields that differ (name, input defaults, requires) when no step does', async () => {
    const renamed: WorkflowDefinition = {
      ...before,
      name: 'Disk <b>check</b>',
      inputs: { limit: { type: 'number', default: 90 } },
      requires: ['runner:linux'],
    };
    render(<VersionCompareView before={before} after={renamed} beforeLabel="v1" afterLabel="v2" />);
    await flushMeasurements();
    expect(screen.getByText('No step differs.')).toBeTruthy();
    const fields = screen.getByTestId('compare-fields');
    expect(within(fields).getByText('3 workflow settings differ')).toBeTruthy();
    const row = (path: string) => fields.querySelector<HTMLElement>(`[data-field="${path}"]`)!;
    expect(row('name').textContent).toBe('name: "Disk" → "Disk <b>check</b>"');
    expect(row('name').querySelector('b')).toBeNull();
    expect(row('inputs').textContent).toBe('inputs: — → {"limit":{"type":"number","default":90}}');
    expect(row('requires').textContent).toBe('requires: — → ["runner:linux"]');
  });

  it('shows no settings list when only steps differ', async () => {
    await show();
    expect(screen.queryByTestId('compare-fields')).toBeNull();
  });
});
