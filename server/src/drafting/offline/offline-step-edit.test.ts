import { findStep, validateWorkflowDefinition, type WorkflowDefinition } from '@weft/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { draftOfflineStep } from './offline-step-edit';
import { checkStepScopedEdit } from '../step-scope';

const DEFINITION: WorkflowDefinition = {
  name: 'Nightly',
  steps: [
    { id: 'list', name: 'Run ls', type: 'bash', command: 'ls' },
    { id: 'summarize', type: 'agent_prompt', prompt: 'Summarise:\n{{ steps.list.output.stdout }}' },
    { id: 'pause', name: 'Wait 10 minutes', type: 'wait', seconds: 600 },
    { id: 'fetch', type: 'http', method: 'GET', url: 'https://example.com/a' },
    {
      id: 'each',
      type: 'loop',
      over: ['a', 'b'],
      steps: [{ id: 'say', type: 'notify', message: 'item {{ item }}' }],
    },
    { id: 'gate', type: 'approval', message: 'OK?' },
    { id: 'post', type: 'notify', message: '{{ steps.summarize.output.text }}' },
  ],
};

/** Runs a step edit and checks it changed that step only. */
function edit(stepId: string, prompt: string) {
  const result = draftOfflineStep({ definition: DEFINITION, stepId, prompt });
  expect(result.ok).toBe(true);
  expect(validateWorkflowDefinition(result.definition).ok).toBe(true);
  expect(checkStepScopedEdit(DEFINITION, result.definition, stepId)).toEqual({ ok: true });
  return { ...result, step: findStep(result.definition, stepId)?.step };
}

describe('draftOfflineStep', () => {
  it.each([
    ['list', 'use `ls -la` instead', { command: 'ls -la', name: 'Run ls -la' }],
    ['list', 'df -h /var', { command: 'df -h /var' }],
    ['list', 'rename to List files', { name: 'List files', command: 'ls' }],
    ['list', 'retry 3 times', { retry: { maxAttempts: 4 } }],
    ['list', 'time out after 2 minutes', { timeoutSeconds: 120 }],
    ['summarize', 'make the prompt mention the file sizes', { prompt: 'Summarise:\n{{ steps.list.output.stdout }}\n\nAlso mention the file sizes.' }],
    ['summarize', 'use model claude-haiku-4-5', { model: 'claude-haiku-4-5' }],
    ['summarize', 'time out after 1 hour', { timeoutSeconds: 3600 }],
    ['summarize', 'time out after 3 hours', { timeoutSeconds: 3600 }],
    ['pause', 'wait 5 minutes instead', { seconds: 300, name: 'Wait 5 minutes' }],
    ['pause', 'wait until 2030-01-01 08:00 instead', { until: '2030-01-01T08:00:00Z' }],
    ['fetch', 'use https://example.com/b with POST', { url: 'https://example.com/b', method: 'POST' }],
    ['each', 'loop over x, y and z instead', { over: ['x', 'y', 'z'] }],
    ['say', 'say "done with {{ item }}"', { message: 'done with {{ item }}' }],
    ['gate', 'continue the run if it is denied', { onDeny: 'continue' }],
    ['gate', 'auto-approve when nobody answers', { onTimeout: 'approve' }],
    ['post', 'post to https://hooks.slack.com/services/A/B/C', { channel: { webhookUrl: 'https://hooks.slack.com/services/A/B/C' } }],
    ['post', 'only run if `steps.list.output.exitCode == 0`', { if: 'steps.list.output.exitCode == 0' }],
  ] as const)('%s: %s', (stepId, prompt, expected) => {
    const { step, notes } = edit(stepId, prompt);
    expect(step).toMatchObject(expected);
    expect(notes[0]).toMatch(/offline/);
  });

  it('removes a field that no longer applies (a wait keeps exactly one of seconds and until)', () => {
    const { step } = edit('pause', 'wait until 2030-01-01T08:00:00+02:00');
    expect(step).toEqual({ id: 'pause', name: 'Wait 10 minutes', type: 'wait', until: '2030-01-01T08:00:00+02:00' });
  });

  it('never pastes an unrecognised request into an agent prompt: the step stays as it was, and it says so', () => {
    const result = edit('summarize', 'be more concise');
    const { step, notes } = result;
    expect(step).toEqual(findStep(DEFINITION, 'summarize')?.step);
    expect(result.ok && result.unhandled).toEqual(['be more concise']);
    expect(notes.join('\n')).toMatch(/not recognised.*left unchanged/);
  });

  it('leaves other step types unchanged on an unrecognised request, and says so', () => {
    const result = edit('list', 'make it better');
    expect(result.definition).toEqual(DEFINITION);
    expect(result.notes.join('\n')).toMatch(/left unchanged/);
  });

  it('leaves the step unchanged when the edit would not validate', () => {
    const result = edit('list', 'use `echo {{ steps.post.output }}` instead');
    expect(result.definition).toEqual(DEFINITION);
    expect(result.notes.join('\n')).toMatch(/would not be valid/);
  });

  it('returns an error result for an unknown step id', () => {
    const result = draftOfflineStep({ definition: DEFINITION, stepId: 'missing', prompt: 'rename to X' });
    expect(result).toEqual({ ok: false, definition: DEFINITION, notes: [], error: { path: '', message: 'there is no step "missing" in this workflow' } });
  });

  it('never changes anything but the chosen step (property)', () => {
    const ids = ['list', 'summarize', 'pause', 'fetch', 'each', 'say', 'gate', 'post'];
    const words = fc.constantFrom(
      'use',
      '`ls -l`',
      'instead',
      'rename to',
      'Foo',
      'wait',
      '5 minutes',
      'retry 2 times',
      'https://example.com/x',
      '"hi"',
      'mention',
      'the date',
      'POST',
      'over a, b',
      '{{',
      'at most 3',
      'only if',
      '`true`',
      'continue if denied',
    );
    fc.assert(
      fc.property(fc.constantFrom(...ids), fc.array(words, { maxLength: 6 }), (stepId, parts) => {
        const result = draftOfflineStep({ definition: DEFINITION, stepId, prompt: parts.join(' ') });
        expect(validateWorkflowDefinition(result.definition).ok).toBe(true);
        expect(checkStepScopedEdit(DEFINITION, result.definition, stepId)).toEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
  });
});
