import { describe, expect, it } from 'vitest';
import { WorkflowDefinition } from './schema';
import type { Step } from '../steps/types';
import {
  allStepIds,
  childBranches,
  childBranchFields,
  findStep,
  flattenSteps,
  hasIterationScope,
  mapChildSteps,
  replaceStep,
  walkSteps,
  withoutChildSteps,
} from './walk';

const definition = WorkflowDefinition.parse({
  name: 'x',
  steps: [
    { id: 'a', type: 'bash', command: 'x' },
    {
      id: 'c',
      type: 'conditional',
      condition: 'true',
      then: [{ id: 't', type: 'loop', over: [1], steps: [{ id: 'deep', type: 'wait', seconds: 1 }] }],
      else: [{ id: 'e', type: 'notify', message: 'x' }],
    },
    { id: 'z', type: 'wait', seconds: 1 },
  ],
});

describe('walkSteps', () => {
  it('visits every step depth-first with its path, index and ancestors', () => {
    const visits: string[] = [];
    walkSteps(definition.steps, ({ step, path, index, ancestors }) => {
      visits.push(`${step.id}@${path}#${index}<${ancestors.map((a) => `${a.step.id}.${a.branch}@${a.path}`).join('/')}>`);
    });
    expect(visits).toEqual([
      'a@steps[0]#0<>',
      'c@steps[1]#1<>',
      't@steps[1].then[0]#0<c.then@steps[1]>',
      'deep@steps[1].then[0].steps[0]#0<c.then@steps[1]/t.steps@steps[1].then[0]>',
      'e@steps[1].else[0]#0<c.else@steps[1]>',
      'z@steps[2]#2<>',
    ]);
  });

  it('skips nested steps when visit returns false', () => {
    const ids: string[] = [];
    walkSteps(definition.steps, ({ step }) => {
      ids.push(step.id);
      return step.id !== 'c';
    });
    expect(ids).toEqual(['a', 'c', 'z']);
  });

  it('accepts a base path for walking a sub-list', () => {
    const paths: string[] = [];
    walkSteps([{ id: 'x', type: 'wait', seconds: 1 }], ({ path }) => void paths.push(path), { basePath: 'steps[1].then' });
    expect(paths).toEqual(['steps[1].then[0]']);
  });
});

describe('findStep and allStepIds', () => {
  it('finds nested steps with their context', () => {
    const found = findStep(definition, 'deep');
    expect(found?.path).toBe('steps[1].then[0].steps[0]');
    expect(found?.ancestors.map((a) => a.branch)).toEqual(['then', 'steps']);
    expect(findStep(definition, 'nope')).toBeNull();
  });

  it('lists ids in document order', () => {
    expect(allStepIds(definition)).toEqual(['a', 'c', 't', 'deep', 'e', 'z']);
  });

  it('childBranches names each nested list', () => {
    expect(childBranches(definition.steps[1]!).map((b) => b.branch)).toEqual(['then', 'else']);
    expect(childBranches(definition.steps[0]!)).toEqual([]);
  });
});

describe('nesting from the catalogue', () => {
  const [first, conditional] = definition.steps as [Step, Step];
  const loop = findStep(definition, 't')!.step;

  it('childBranchFields reads any value, for JSON not yet validated', () => {
    expect(childBranchFields('conditional')).toEqual(['then', 'else']);
    expect(childBranchFields('loop')).toEqual(['steps']);
    expect(childBranchFields('bash')).toEqual([]);
    expect(childBranchFields('sleep')).toEqual([]);
    expect(childBranchFields('toString')).toEqual([]);
    expect(childBranchFields(undefined)).toEqual([]);
  });

  it('childBranches leaves out an absent else, and treats an unknown type as a leaf', () => {
    expect(childBranches({ id: 'c', type: 'conditional', condition: 'true', then: [first] }).map((b) => b.branch)).toEqual(['then']);
    expect(childBranches({ id: 'x', type: 'sleep', steps: [first] } as unknown as Step)).toEqual([]);
  });

  it('hasIterationScope holds for loops only', () => {
    expect([first, conditional, loop].map(hasIterationScope)).toEqual([false, false, true]);
  });

  it('mapChildSteps maps each nested list and keeps the key order', () => {
    const mapped = mapChildSteps(conditional, (steps, branch) => steps.map((step) => ({ ...step, name: `${branch} ${step.id}` })));
    expect(Object.keys(mapped)).toEqual(Object.keys(conditional));
    expect(flattenSteps([mapped]).map((step) => step.name ?? '-')).toEqual(['-', 'then t', '-', 'else e']);
    expect(mapChildSteps(first, () => [])).toBe(first);
  });

  it('replaceStep replaces a step at any depth and leaves the others as they were', () => {
    const replacement: Step = { id: 'deep', type: 'notify', message: 'new' };
    const steps = replaceStep(definition.steps, 'deep', replacement);
    expect(findStep({ steps }, 'deep')?.step).toBe(replacement);
    expect(findStep({ steps }, 'deep')?.path).toBe('steps[1].then[0].steps[0]');
    expect(steps[0]).toBe(definition.steps[0]);
    expect(steps[2]).toBe(definition.steps[2]);
    expect(JSON.stringify(replaceStep(definition.steps, 'nope', replacement))).toBe(JSON.stringify(definition.steps));
  });

  it('flattenSteps lists every step in document order', () => {
    expect(flattenSteps(definition.steps).map((step) => step.id)).toEqual(allStepIds(definition));
  });

  it("withoutChildSteps keeps a step's own fields only", () => {
    expect(withoutChildSteps(conditional)).toEqual({ id: 'c', type: 'conditional', condition: 'true' });
    expect(withoutChildSteps(loop)).toEqual({ id: 't', type: 'loop', over: [1] });
    expect(withoutChildSteps(first)).toEqual(first);
  });
});
