import { describe, expect, it } from 'vitest';
import { effectiveApprovalPolicy } from './approval';
import { DEFAULT_RETRY_BACKOFF_SECONDS, effectiveRetry, effectiveTimeoutSeconds, stepExpressionSites, stepKeyParam } from './helpers';
import { effectiveLoopItemName, effectiveMaxIterations } from './loop';
import { effectiveNotifyChannel } from './notify';
import type { Step } from './types';

describe('effective values (defaults applied at the use site)', () => {
  it('timeouts come from the step, else the catalogue', () => {
    expect(effectiveTimeoutSeconds({ id: 'a', type: 'bash', command: 'x' })).toBe(60);
    expect(effectiveTimeoutSeconds({ id: 'a', type: 'bash', command: 'x', timeoutSeconds: 5 })).toBe(5);
    expect(effectiveTimeoutSeconds({ id: 'a', type: 'agent_prompt', prompt: 'x' })).toBe(300);
    expect(effectiveTimeoutSeconds({ id: 'a', type: 'approval', message: 'x' })).toBe(604800);
    expect(effectiveTimeoutSeconds({ id: 'a', type: 'wait', seconds: 10 })).toBeNull();
    expect(effectiveTimeoutSeconds({ id: 'a', type: 'loop', over: [], steps: [] })).toBeNull();
  });

  it('retry defaults to a single attempt', () => {
    expect(effectiveRetry({ id: 'a', type: 'bash', command: 'x' })).toEqual({ maxAttempts: 1, backoffSeconds: DEFAULT_RETRY_BACKOFF_SECONDS });
    expect(effectiveRetry({ id: 'a', type: 'bash', command: 'x', retry: { maxAttempts: 3, backoffSeconds: 0 } })).toEqual({
      maxAttempts: 3,
      backoffSeconds: 0,
    });
  });

  it('per-type defaults', () => {
    expect(effectiveLoopItemName({})).toBe('item');
    expect(effectiveLoopItemName({ as: 'region' })).toBe('region');
    expect(effectiveMaxIterations({})).toBe(1000);
    expect(effectiveNotifyChannel({ id: 'n', type: 'notify', message: 'm' })).toBe('session');
    expect(effectiveApprovalPolicy({ id: 'p', type: 'approval', message: 'm' })).toEqual({ onDeny: 'fail', onTimeout: 'fail' });
  });
});

describe('stepKeyParam', () => {
  it.each<[Step, string]>([
    [{ id: 'a', type: 'bash', command: '\n  npm   test\nnpm run build' }, 'npm test …'],
    [{ id: 'a', type: 'agent_prompt', prompt: 'x'.repeat(200) }, `${'x'.repeat(79)}…`],
    [{ id: 'a', type: 'notify', message: 'Done' }, 'Done'],
    [{ id: 'a', type: 'http', method: 'GET', url: 'https://x.test/{{ inputs.id }}' }, 'GET https://x.test/{{ inputs.id }}'],
    [{ id: 'a', type: 'conditional', condition: 'inputs.ok', then: [] }, 'inputs.ok'],
    [{ id: 'a', type: 'loop', over: 'steps.list.output.items', steps: [] }, 'item in steps.list.output.items'],
    [{ id: 'a', type: 'loop', over: [1, 2, 3], as: 'n', steps: [] }, 'n in [3 items]'],
    [{ id: 'a', type: 'approval', message: 'Ship it?' }, 'Ship it?'],
    [{ id: 'a', type: 'wait', seconds: 90 }, 'for 1m 30s'],
    [{ id: 'a', type: 'wait', until: '2030-01-01T00:00:00Z' }, 'until 2030-01-01T00:00:00Z'],
  ])('%j -> %s', (step, expected) => {
    expect(stepKeyParam(step)).toBe(expected);
  });
});

describe('stepExpressionSites', () => {
  it('lists if first, then the type-specific fields', () => {
    const step: Step = {
      id: 'h',
      type: 'http',
      if: 'inputs.go',
      method: 'POST',
      url: 'https://x.test',
      headers: { Authorization: 'Bearer {{ inputs.token }}' },
      body: { a: ['{{ item }}', 1], b: 'x' },
    };
    expect(stepExpressionSites(step)).toEqual([
      { path: ['if'], kind: 'expression', source: 'inputs.go' },
      { path: ['url'], kind: 'template', source: 'https://x.test' },
      { path: ['headers', 'Authorization'], kind: 'template', source: 'Bearer {{ inputs.token }}' },
      { path: ['body', 'a', 0], kind: 'template', source: '{{ item }}' },
      { path: ['body', 'b'], kind: 'template', source: 'x' },
    ]);
  });

  it('covers bash env and cwd, agent system, loop over and conditional condition', () => {
    expect(stepExpressionSites({ id: 'b', type: 'bash', command: 'c', cwd: 'd', env: { A: 'e' } }).map((site) => site.path)).toEqual([
      ['command'],
      ['cwd'],
      ['env', 'A'],
    ]);
    expect(stepExpressionSites({ id: 'a', type: 'agent_prompt', prompt: 'p', system: 's' }).map((site) => site.path)).toEqual([['prompt'], ['system']]);
    expect(stepExpressionSites({ id: 'l', type: 'loop', over: 'x', steps: [] })).toEqual([{ path: ['over'], kind: 'expression', source: 'x' }]);
    expect(stepExpressionSites({ id: 'l', type: 'loop', over: ['{{ not a template }}'], steps: [] })).toEqual([]);
    expect(stepExpressionSites({ id: 'c', type: 'conditional', condition: 'x', then: [] })).toEqual([{ path: ['condition'], kind: 'expression', source: 'x' }]);
    expect(stepExpressionSites({ id: 'w', type: 'wait', seconds: 1 })).toEqual([]);
  });
});
