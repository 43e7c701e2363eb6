import type { Execution, JournalEventEnvelope } from '@weft/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyExecutionEvents, type ExecutionState } from '../execution-state';
import { createReplay, firstState, stateAt } from './replay';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const snapshot: Execution = {
  id: 'ex_1',
  workflowId: 'wf_1',
  workflowVersion: 1,
  workflowName: 'Deploy',
  status: 'failed',
  inputs: { env: 'prod' },
  trigger: null,
  sessionId: null,
  createdAt: iso(0),
  startedAt: iso(0),
  finishedAt: iso(99_000),
  steps: [{ stepId: 'a', iterationPath: '', attempt: 1, status: 'succeeded', startedAt: iso(1), finishedAt: iso(2) }],
};

const STEP_STATUSES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'canceled'] as const;
const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled', 'denied'] as const;

/** One event's type and data (seq and instant are given in order afterwards), malformed data included. */
const payload = fc.oneof(
  fc.record({
    type: fc.constant('step.updated'),
    data: fc.record({
      executionId: fc.constant('ex_1'),
      stepId: fc.constantFrom('a', 'b', 'c'),
      iterationPath: fc.constantFrom('', 'each[0]', 'each[1]'),
      attempt: fc.integer({ min: 1, max: 3 }),
      status: fc.constantFrom(...STEP_STATUSES),
      startedAt: fc.constantFrom(null, iso(5)),
      finishedAt: fc.constantFrom(null, iso(9)),
      input: fc.option(fc.record({ n: fc.integer() }), { nil: undefined }),
      output: fc.option(fc.string(), { nil: undefined }),
    }),
  }),
  fc.record({
    type: fc.constant('step.log'),
    data: fc.record({
      executionId: fc.constant('ex_1'),
      stepId: fc.constantFrom('a', 'b'),
      iterationPath: fc.constant(''),
      attempt: fc.integer({ min: 1, max: 2 }),
      stream: fc.constantFrom('stdout', 'stderr'),
      text: fc.string({ maxLength: 20 }),
    }),
  }),
  fc.record({
    type: fc.constant('execution.updated'),
    data: fc.constantFrom(...EXECUTION_STATUSES).map((status) => {
      const { steps: _steps, ...summary } = snapshot;
      return { ...summary, status };
    }),
  }),
  fc.record({
    type: fc.constantFrom('approval.requested', 'approval.decided'),
    data: fc.record({ id: fc.constantFrom('ap_1', 'ap_2'), status: fc.constantFrom('pending', 'approved', 'denied') }),
  }),
  fc.record({ type: fc.constantFrom('step.updated', 'message.completed'), data: fc.anything() }),
);

/** A journal: seqs rising (gaps allowed), instants never going back, several events per instant allowed. */
const journal = fc.array(fc.tuple(payload, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2000 })), { maxLength: 120 }).map((items) => {
  let seq = 0;
  let time = 1000;
  return items.map(([{ type, data }, gap, step]): JournalEventEnvelope => {
    seq += gap;
    time += step;
    return { topic: 'execution:ex_1', seq, type, at: iso(time), data };
  });
});

/** What the page shows, in a form `toEqual` compares by value (maps as sorted entries). */
const view = (state: ExecutionState) => ({
  summary: state.summary,
  runs: [...state.runs].sort(([a], [b]) => a.localeCompare(b)),
  logs: [...state.logs].sort(([a], [b]) => a.localeCompare(b)),
  approvals: [...state.approvals].sort(([a], [b]) => a.localeCompare(b)),
  seq: state.seq,
});

describe('replay equals live', () => {
  it('rebuilding at the last instant gives the state live application reached, and at every prefix the state live had then', () => {
    fc.assert(
      fc.property(journal, fc.integer({ min: 1, max: 9 }), (events, every) => {
        const first = firstState(snapshot);
        const replay = createReplay(first, events, every);
        let live = first;
        expect(view(replay.stateAfter(0))).toEqual(view(first));
        events.forEach((event, i) => {
          live = applyExecutionEvents(live, [event]).state;
          expect(view(replay.stateAfter(i + 1))).toEqual(view(live));
          // Several events at one instant: the instant shows all of them, so compare at the last one.
          const instant = Date.parse(event.at);
          if (events[i + 1] === undefined || Date.parse(events[i + 1]?.at ?? '') > instant) {
            expect(view(stateAt(first, events, instant))).toEqual(view(live));
          }
        });
        const end = events.at(-1);
        expect(view(stateAt(first, events, end === undefined ? T0 : Date.parse(end.at)))).toEqual(view(live));
      }),
      { numRuns: 200 },
    );
  });

  it('live batches of any size (as the socket delivers them) reach the state a replay rebuilds', () => {
    fc.assert(
      fc.property(journal, fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1 }), (events, sizes) => {
        const first = firstState(snapshot);
        let live = first;
        for (let i = 0, k = 0; i < events.length; k++) {
          const size = sizes[k % sizes.length] ?? 1;
          live = applyExecutionEvents(live, events.slice(i, i + size)).state;
          i += size;
        }
        expect(view(createReplay(first, events).stateAfter(events.length))).toEqual(view(live));
      }),
    );
  });

  it('a seek between checkpoints applies only the events since the last checkpoint, in any order of seeks', () => {
    fc.assert(
      fc.property(journal, fc.array(fc.nat(), { maxLength: 10 }), (events, seeks) => {
        const first = firstState(snapshot);
        const replay = createReplay(first, events, 4);
        for (const seek of seeks) {
          const n = events.length === 0 ? 0 : seek % (events.length + 1);
          const live = applyExecutionEvents(first, events.slice(0, n)).state;
          expect(view(replay.stateAfter(n))).toEqual(view(live));
        }
      }),
    );
  });

  it('the first state has no step started and the snapshot identity', () => {
    const first = firstState(snapshot);
    expect(first.runs.size).toBe(0);
    expect(first.summary).toMatchObject({ id: 'ex_1', status: 'queued', finishedAt: null, inputs: { env: 'prod' } });
    // Before any event, an instant shows the first state.
    expect(stateAt(first, [], T0).summary.status).toBe('queued');
  });

  it('events out of seq order or delivered twice are applied once in seq order', () => {
    const first = firstState(snapshot);
    const step = (seq: number, status: string) => ({
      topic: 'execution:ex_1',
      seq,
      type: 'step.updated',
      at: iso(seq * 1000),
      data: { executionId: 'ex_1', stepId: 'a', iterationPath: '', attempt: 1, status, startedAt: iso(1), finishedAt: null },
    });
    const replay = createReplay(first, [step(2, 'succeeded'), step(1, 'running'), step(2, 'succeeded')]);
    expect(replay.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(replay.stateAfter(1).runs.get('a\u0000\u00001')?.status).toBe('running');
    expect(replay.countAt(T0 + 1500)).toBe(1);
    expect(replay.stateAfter(2).runs.get('a\u0000\u00001')?.status).toBe('succeeded');
  });
});
