import { describe, expect, it } from 'vitest';
import { validateWorkflowDefinition } from '../workflow/validate';
import { DraftTrigger } from '../api/drafts';
import { EMPTY_WORKFLOW, WORKFLOW_TEMPLATES } from './workflow-templates';

describe('workflow templates', () => {
  it('offers at least 8, with unique ids', () => {
    expect(WORKFLOW_TEMPLATES.length).toBeGreaterThanOrEqual(8);
    expect(new Set(WORKFLOW_TEMPLATES.map((t) => t.id)).size).toBe(WORKFLOW_TEMPLATES.length);
  });

  it.each(WORKFLOW_TEMPLATES.map((t) => [t.id, t] as const))('%s is a valid workflow with a valid suggested trigger', (_id, template) => {
    expect(validateWorkflowDefinition(template.definition)).toMatchObject({ ok: true });
    if (template.trigger !== undefined) expect(DraftTrigger.safeParse(template.trigger).success).toBe(true);
    // A template that calls an integration says so, both in `needs` and in `requires`.
    const usesTool = JSON.stringify(template.definition).includes('"type":"tool"');
    if (usesTool) expect(template.needs.join(' ')).toMatch(/integration/i);
  });

  it('the empty workflow is valid', () => {
    expect(validateWorkflowDefinition(EMPTY_WORKFLOW)).toMatchObject({ ok: true });
  });
});
