import { describe, expect, it } from 'vitest';
import { WorkflowDefinition } from './schema';
import { allStepIds, childBranches, findStep, walkSteps } from './walk';

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
