import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { StepRun } from '@weft/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InboxApproval } from '../../api/approvals';
import { RunTimeline, type RunTimelineProps } from './RunTimeline';
import { parseAtParam } from './timeline-model';

const T0 = Date.UTC(2025, 0, 1, 12);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const run = (stepId: string, status: StepRun['status'], start: number, end: number | null, extra: Partial<StepRun> = {}): [string, StepRun] => [
  `${stepId}/${extra.iterationPath ?? ''}/${extra.attempt ?? 1}`,
  { stepId, iterationPath: '', attempt: 1, status, startedAt: iso(start), finishedAt: end === null ? null : iso(end), ...extra },
];

function setup(props: Partial<RunTimelineProps> = {}) {
  const seek = vi.fn();
  const pause = vi.fn();
  const play = vi.fn();
  const all: RunTimelineProps = {
    runs: new Map([
      run('build', 'failed', 1000, 2000),
      run('build', 'succeeded', 2500, 4000, { attempt: 2 }),
      run('each', 'succeeded', 4000, 5000, { iterationPath: 'loop[0]' }),
      run('each', 'failed', 5000, 6000, { iterationPath: 'loop[1]' }),
    ]),
    approvals: new Map<string, InboxApproval>(),
    definition: {
      name: 'T',
      steps: [
        { id: 'build', type: 'bash', name: 'BUILD', command: 'make' },
        { id: 'each', type: 'bash', name: 'EACH', command: 'x' },
      ],
    } as RunTimelineProps['definition'],
    start: T0,
    end: T0 + 10_000,
    instant: T0 + 3000,
    eventTimes: [T0 + 1000, T0 + 2000, T0 + 2500, T0 + 4000, T0 + 6000],
    seek,
    playing: null,
    play,
    pause,
    notice: null,
    pruned: false,
    ...props,
  };
  render(<RunTimeline {...all} />);
  return { seek, pause, play, slider: screen.getByRole('slider', { name: 'Playhead' }) };
}

describe('run timeline', () => {
  afterEach(cleanup);
  it('moves the playhead with ←/→ to the previous/next event, Home to the start and End to live', () => {
    const { seek, slider } = setup();
    expect(slider.getAttribute('aria-valuetext')).toBe('12:00:03.000 UTC, 3.0 s after the start');
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    expect(seek).toHaveBeenLastCalledWith(T0 + 4000);
    fireEvent.keyDown(slider, { key: 'ArrowLeft' });
    expect(seek).toHaveBeenLastCalledWith(T0 + 2500);
    fireEvent.keyDown(slider, { key: 'Home' });
    expect(seek).toHaveBeenLastCalledWith(T0);
    fireEvent.keyDown(slider, { key: 'End' });
    expect(seek).toHaveBeenLastCalledWith(null);
    fireEvent.keyDown(slider, { key: 'a' });
    expect(seek).toHaveBeenCalledTimes(4);
  });

  it('→ after the last event is the live end; ← before the first is the start', () => {
    const late = setup({ instant: T0 + 7000 });
    fireEvent.keyDown(late.slider, { key: 'ArrowRight' });
    expect(late.seek).toHaveBeenLastCalledWith(null);
    cleanup();
    const early = setup({ instant: T0 + 500 });
    fireEvent.keyDown(early.slider, { key: 'ArrowLeft' });
    expect(early.seek).toHaveBeenLastCalledWith(T0);
  });

  it('draws a lane per step, sub-lanes for attempts and iterations, outcomes in text as well as colour', () => {
    setup();
    const lanes = screen.getByRole('list', { name: 'Steps over time' });
    expect(lanes.querySelectorAll('.run-timeline__lane').length).toBe(4);
    expect(lanes.textContent).toContain('BUILD  failed');
    expect(lanes.textContent).toContain('BUILD attempt 2 succeeded, a retry');
    expect(lanes.textContent).toContain('EACH loop[1] failed');
    expect(lanes.querySelector('.run-timeline__bar--failed')?.textContent).toContain('✗');
    expect(screen.getByText(/Showing the run at 12:00:03.000 UTC/)).toBeTruthy();
  });

  it('play buttons play and pause at their speed; Live returns to the end', () => {
    const { play, seek, pause } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Play 10×' }));
    expect(play).toHaveBeenCalledWith(10);
    fireEvent.click(screen.getByRole('button', { name: 'Live' }));
    expect(pause).toHaveBeenCalled();
    expect(seek).toHaveBeenLastCalledWith(null);
  });

  it('shows its notice', () => {
    setup({ notice: 'The link is wrong', instant: null });
    expect(screen.getByRole('status').textContent).toBe('The link is wrong');
    expect(screen.getByText('Showing the run as it is now')).toBeTruthy();
  });
});

describe('run timeline of a long run', () => {
  afterEach(cleanup);
  it('renders only the lanes in view (and a few either side), the rest as spacers; scrolling brings others in', () => {
    const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
    // jsdom lays nothing out: the lanes box gets a 200 px viewport (10 lanes of 20 px).
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains('run-timeline__body') ? 200 : 0;
      },
    });
    try {
      const runs = new Map(Array.from({ length: 1000 }, (_, i) => run(`s${i}`, 'succeeded', i * 10, i * 10 + 5)));
      setup({ runs, definition: null, end: T0 + 10_000 });
      const lanes = screen.getByRole('list', { name: 'Steps over time' });
      const shown = () => [...lanes.querySelectorAll('.run-timeline__lane')].map((lane) => lane.textContent?.match(/s\d+/)?.[0]);
      expect(shown()[0]).toBe('s0');
      expect(shown().length).toBeLessThan(30);
      expect(lanes.querySelector('.run-timeline__lane')?.getAttribute('aria-setsize')).toBe('1000');
      const spacers = [...lanes.querySelectorAll<HTMLElement>('.run-timeline__spacer')];
      expect(spacers.reduce((sum, spacer) => sum + Number.parseFloat(spacer.style.height), 0)).toBe((1000 - shown().length) * 20);

      const body = lanes.closest('.run-timeline__body') as HTMLElement;
      body.scrollTop = 600 * 20;
      fireEvent.scroll(body);
      expect(shown()).toContain('s600');
      expect(shown()).toContain('s609');
      expect(shown()).not.toContain('s0');
      // The labels beside the lanes follow the same window.
      expect(body.querySelector('.run-timeline__labels')?.textContent).toContain('s605');
    } finally {
      if (clientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight);
    }
  });
});

describe('?at= parsing', () => {
  it('reads ISO date-times and ignores anything else with a notice', () => {
    expect(parseAtParam(null)).toEqual({ instant: null, notice: null });
    expect(parseAtParam('')).toEqual({ instant: null, notice: null });
    expect(parseAtParam('2025-01-01T12:00:03.250Z')).toEqual({ instant: T0 + 3250, notice: null });
    expect(parseAtParam('2025-01-01T13:00:03+01:00')).toEqual({ instant: T0 + 3000, notice: null });
    for (const bad of ['yesterday', '5', '2025-01-01', '2025-13-45T99:00:00Z', 'May 1 2025', '2025-01-01T12:00:00']) {
      const parsed = parseAtParam(bad);
      expect(parsed.instant, bad).toBeNull();
      expect(parsed.notice, bad).toMatch(/is not an ISO date-time/);
    }
    expect(parseAtParam('x'.repeat(500)).notice?.length).toBeLessThan(200);
  });
});
