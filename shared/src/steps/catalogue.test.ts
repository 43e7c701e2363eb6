import { describe, expect, it } from 'vitest';
import { validateWorkflowDefinition } from '../workflow/validate';
import { STEP_CATALOGUE, STEP_TYPES, isStepType } from './catalogue';
import { expressionReferences } from '../expressions/references';
import { templateReferences } from '../expressions/templates';
import { stepExpressionSites } from './helpers';
import { Step } from './step-schema';

describe('STEP_CATALOGUE', () => {
  it('has exactly one entry per step type, keyed by its type', () => {
    expect(Object.keys(STEP_CATALOGUE)).toEqual([...STEP_TYPES]);
    for (const type of STEP_TYPES) expect(STEP_CATALOGUE[type].type).toBe(type);
  });

  it.each(STEP_TYPES)('%s: the example is a valid step and a valid one-step workflow', (type) => {
    const entry = STEP_CATALOGUE[type];
    expect(entry.configSchema.safeParse(entry.example).success).toBe(true);
    expect(Step.safeParse(entry.example).success).toBe(true);
    // An example may read earlier steps (the agent prompt reads `fetch_notes`):
    // give it those steps first, so the example is checked exactly as written.
    const earlier = stepExpressionSites(entry.example)
      .flatMap((site) => (site.kind === 'template' ? templateReferences(site.source) : expressionReferences(site.source)))
      .flatMap((reference) => (reference.stepId === undefined ? [] : [{ id: reference.stepId, type: 'notify', message: 'earlier' }]));
    expect(validateWorkflowDefinition({ name: `example ${type}`, steps: [...earlier, entry.example] })).toMatchObject({ ok: true });
  });

  it.each(STEP_TYPES)('%s: has a title, a description and a key parameter for its example', (type) => {
    const entry = STEP_CATALOGUE[type];
    expect(entry.title.length).toBeGreaterThan(0);
    expect(entry.description.length).toBeGreaterThan(20);
    expect(entry.keyParam(entry.example as never).length).toBeGreaterThan(0);
  });

  it('marks exactly conditional and loop as containers, naming every field that holds steps', () => {
    expect(STEP_TYPES.filter((type) => STEP_CATALOGUE[type].container !== undefined)).toEqual(['conditional', 'loop']);
    expect(STEP_CATALOGUE.conditional.container?.branches).toEqual(['then', 'else']);
    expect(STEP_CATALOGUE.loop.container?.branches).toEqual(['steps']);
    // Outputs of a conditional's steps stay readable after it; a loop's live per iteration.
    expect(STEP_CATALOGUE.conditional.container?.nestedScope).toBe('container');
    expect(STEP_CATALOGUE.loop.container?.nestedScope).toBe('iteration');
  });

  it('documents the timeouts from the format', () => {
    expect(STEP_CATALOGUE.agent_prompt.defaultTimeoutSeconds).toBe(300);
    expect(STEP_CATALOGUE.agent_prompt.maxTimeoutSeconds).toBe(3600);
    expect(STEP_CATALOGUE.bash.defaultTimeoutSeconds).toBe(60);
    expect(STEP_CATALOGUE.approval.defaultTimeoutSeconds).toBe(604800);
  });

  it('isStepType accepts only catalogue types', () => {
    expect(isStepType('bash')).toBe(true);
    expect(isStepType('Bash')).toBe(false);
    expect(isStepType('toString')).toBe(false);
    expect(isStepType(1)).toBe(false);
  });
});
