import { describe, expect, it } from 'vitest';
import type { StepState } from '../store/step-status-store';
import { recordsInSelection, summariseRecords } from './step-display';

const records: StepState[] = [
  { stepId: 'x', iterationPath: 'outer[0]/inner[0]', status: 'succeeded', startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:01Z' },
  { stepId: 'x', iterationPath: 'outer[0]/inner[1]', status: 'failed', startedAt: '2025-01-01T00:00:02Z', finishedAt: '2025-01-01T00:00:03Z' },
  { stepId: 'x', iterationPath: 'outer[1]/inner[0]', status: 'running', startedAt: '2025-01-01T00:00:04Z' },
];

describe('step display', () => {
  it('filters records by the iterations selected in each enclosing loop', () => {
    expect(recordsInSelection({ records, loopIds: ['outer', 'inner'], selections: ['all', 'all'] })).toHaveLength(3);
    expect(recordsInSelection({ records, loopIds: ['outer', 'inner'], selections: [0, 'all'] }).map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(recordsInSelection({ records, loopIds: ['outer', 'inner'], selections: ['all', 0] }).map((r) => r.status)).toEqual(['succeeded', 'running']);
    expect(recordsInSelection({ records, loopIds: ['outer', 'inner'], selections: [1, 1] })).toEqual([]);
  });

  it('sums iterations up: the most urgent status, earliest start, latest finish once all finished', () => {
    expect(summariseRecords(records)).toMatchObject({ status: 'running', count: 3, succeeded: 1, startedAt: '2025-01-01T00:00:00Z', finishedAt: null });
    expect(summariseRecords(records.slice(0, 2))).toMatchObject({ status: 'failed', finishedAt: '2025-01-01T00:00:03Z' });
    expect(summariseRecords([])).toBeNull();
  });
});
