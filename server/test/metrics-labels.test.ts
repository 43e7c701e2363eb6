import { describe, expect, it } from 'vitest';
import { reasonCode } from '../src/metrics/journal-events';
import { boundedLabel } from '../src/metrics/registry';

describe('metric labels stay bounded', () => {
  it('keeps the first values of an open set and counts later ones as other', () => {
    const label = boundedLabel(2);
    expect(['wf_a', 'wf_b', 'wf_c', 'wf_a', 'wf_d', 'wf_b'].map(label)).toEqual(['wf_a', 'wf_b', 'other', 'wf_a', 'other', 'wf_b']);
  });

  it('turns a delivery reason into its code, never the id or message after it', () => {
    expect(reasonCode(undefined)).toBe('');
    expect(reasonCode('overlap')).toBe('overlap');
    expect(reasonCode('queued_behind:ex_123')).toBe('queued_behind');
    expect(reasonCode('workflow_not_found: workflow wf_9 was deleted')).toBe('workflow_not_found');
  });
});
