import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { StepRun, WorkflowDefinition } from '@weft/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { StepTrace } from './StepTrace';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const COUNT = 1000;
const definition = {
  name: 'Many',
  steps: Array.from({ length: COUNT }, (_, i) => ({ id: `s${i}`, type: 'bash', name: `Step ${i}`, command: 'true' })),
} as WorkflowDefinition;
/** The first `started` steps have started, one a second; the last of them is still running. */
const runsUpTo = (started: number): StepRun[] =>
  Array.from({ length: started }, (_, i) => ({
    stepId: `s${i}`,
    iterationPath: '',
    attempt: 1,
    status: i === started - 1 ? 'running' : 'succeeded',
    startedAt: iso(i * 1000),
    finishedAt: i === started - 1 ? null : iso(i * 1000 + 500),
  }));

// jsdom lays nothing out: the trace's list gets a 360 px viewport (10 rows of the 36 px estimate).
const VIEWPORT = 360;
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('trace') ? VIEWPORT : 0;
    },
  });
});
afterAll(() => {
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight);
});
afterEach(cleanup);

const list = () => screen.getByRole('list', { name: 'Step trace' });
const names = () => [...list().querySelectorAll('.trace__name')].map((n) => n.textContent);
const scrollTo = (top: number) => {
  list().scrollTop = top;
  fireEvent.scroll(list());
};

describe('step trace of a long run', () => {
  it('renders only the rows in view (and a few either side), each saying where it sits in the whole list', () => {
    render(<StepTrace definition={definition} runs={runsUpTo(COUNT)} selectedStepId={null} onSelect={() => {}} />);
    expect(names().length).toBeLessThan(30);
    expect(names()[0]).toBe('Step 0');
    const first = list().querySelector('li[data-key]');
    expect(first?.getAttribute('aria-setsize')).toBe(String(COUNT));
    expect(first?.getAttribute('aria-posinset')).toBe('1');

    scrollTo(500 * 36);
    expect(names()).toContain('Step 500');
    expect(names()).toContain('Step 509');
    expect(names()).not.toContain('Step 0');
    expect(names().length).toBeLessThan(30);
    // The spacers keep the list as tall as every row.
    const spacers = [...list().querySelectorAll<HTMLElement>('.trace__spacer')];
    const rendered = names().length;
    expect(spacers.reduce((sum, s) => sum + Number.parseFloat(s.style.height), 0)).toBe((COUNT - rendered) * 36);
  });

  it('selects the step of a clicked row', () => {
    const onSelect = vi.fn();
    render(<StepTrace definition={definition} runs={runsUpTo(COUNT)} selectedStepId="s2" onSelect={onSelect} />);
    const row = screen.getByRole('button', { name: /Step 3\b/ });
    fireEvent.click(row);
    expect(onSelect).toHaveBeenCalledWith('s3');
    expect(screen.getByRole('button', { name: /Step 2\b/ }).getAttribute('aria-pressed')).toBe('true');
  });

  it('follows the playhead: the latest started step scrolls into view as the run is replayed, and the list scrolls freely between seeks', () => {
    const props = { definition, selectedStepId: null, onSelect: () => {}, follow: true };
    const { rerender } = render(<StepTrace {...props} runs={runsUpTo(5)} />);
    expect(list().scrollTop).toBe(0);

    rerender(<StepTrace {...props} runs={runsUpTo(700)} />);
    const shown = screen.getByRole('button', { name: /Step 699\b/ });
    expect(shown.getAttribute('data-status')).toBe('running');
    // Row 699 is the last in view: its bottom at the viewport's bottom (4 px: the list's padding, 0 in jsdom).
    expect(list().scrollTop).toBe(700 * 36 - VIEWPORT);

    // Back to an earlier instant: the playhead's step is above the viewport, so it scrolls up to it.
    rerender(<StepTrace {...props} runs={runsUpTo(120)} />);
    expect(list().scrollTop).toBe(119 * 36);
    expect(names()).toContain('Step 119');

    // The person scrolls away; a render without a seek leaves the list where it is.
    scrollTo(10 * 36);
    rerender(<StepTrace {...props} runs={runsUpTo(120)} selectedStepId="s3" />);
    expect(list().scrollTop).toBe(10 * 36);
    expect(names()).toContain('Step 10');

    // Not following (the run as it is now): new steps do not move the list.
    rerender(<StepTrace {...props} follow={false} runs={runsUpTo(900)} />);
    expect(list().scrollTop).toBe(10 * 36);
  });

  it('keeps the focused row rendered while it is scrolled out of view', () => {
    render(<StepTrace definition={definition} runs={runsUpTo(COUNT)} selectedStepId={null} onSelect={() => {}} />);
    const row = screen.getByRole('button', { name: /Step 2\b/ });
    act(() => row.focus());
    scrollTo(800 * 36);
    expect(names()).toContain('Step 800');
    expect(document.activeElement).toBe(row);
    expect(row.isConnected).toBe(true);
    // Only it is kept (with its neighbours, for Tab), in its place above the window: not the ~800 rows between.
    expect(names().length).toBeLessThan(40);
    expect(names().slice(0, 3)).toEqual(['Step 1', 'Step 2', 'Step 3']);
    const heights = [...list().children].map((li) =>
      li.classList.contains('trace__spacer') ? `spacer ${Number.parseFloat((li as HTMLElement).style.height)}` : 'row',
    );
    expect(heights.slice(0, 6)).toEqual(['spacer 36', 'row', 'row', 'row', `spacer ${(800 - 6 - 4) * 36}`, 'row']);
    act(() => row.blur());
    scrollTo(801 * 36);
    expect(row.isConnected).toBe(false);
  });
});
