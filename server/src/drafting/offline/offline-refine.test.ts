import { validateWorkflowDefinition, type WorkflowDefinition } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { draftOffline } from './offline-drafter';

const BASE: WorkflowDefinition = {
  name: 'Disk report',
  description: 'every day at 7:30 check disk space and tell me',
  steps: [
    { id: 'check_disk', name: 'Check disk space', type: 'bash', command: 'df -h' },
    { id: 'notify', name: 'Notify me', type: 'notify', message: 'Check disk space:\n{{ steps.check_disk.output.stdout }}' },
  ],
};

const [CHECK_DISK, NOTIFY] = BASE.steps;

function refine(prompt: string, base: WorkflowDefinition = BASE) {
  const draft = draftOffline({ prompt, baseDraft: base });
  expect(validateWorkflowDefinition(draft.definition).ok).toBe(true);
  return draft;
}

const ids = (definition: WorkflowDefinition) => definition.steps.map((step) => step.id);

describe('draftOffline with a base draft', () => {
  it('adds an approval before the action it guards, keeping the other steps', () => {
    const { definition } = refine('ask me before posting');
    expect(ids(definition)).toEqual(['check_disk', 'ask_approval', 'notify']);
    expect(definition.steps[0]).toEqual(CHECK_DISK);
    expect(definition.steps[2]).toEqual(NOTIFY);
    expect(definition.steps[1]).toMatchObject({ type: 'approval', message: expect.stringContaining('{{ steps.check_disk.output.stdout }}') });
  });

  it('adds an approval before the last action', () => {
    expect(ids(refine('add an approval before the last action').definition)).toEqual(['check_disk', 'ask_approval', 'notify']);
  });

  it('changes only the schedule', () => {
    const draft = refine('change the schedule to every monday at 8');
    expect(draft.definition).toEqual(BASE);
    expect(draft.trigger).toEqual({ type: 'schedule', schedule: { cron: '0 8 * * 1', timezone: 'UTC' } });
    expect(draft.notes.join('\n')).not.toMatch(/not understood/);
  });

  it('renames the workflow', () => {
    expect(refine('rename it to Disk check').definition).toEqual({ ...BASE, name: 'Disk check' });
  });

  it('appends a notify step at the end that reads the last output', () => {
    const { definition } = refine('add a notify step at the end', { ...BASE, steps: [CHECK_DISK!] });
    expect(definition.steps).toEqual([
      CHECK_DISK,
      { id: 'notify', name: 'Notify me', type: 'notify', message: 'Check disk space:\n{{ steps.check_disk.output.stdout }}' },
    ]);
  });

  it('gives new steps ids that do not clash with existing ones', () => {
    const { definition } = refine('also notify me on slack webhook https://hooks.slack.com/services/A/B/C and tell me');
    expect(ids(definition)).toEqual(['check_disk', 'notify', 'post_to_slack', 'notify_2']);
    expect(definition.steps.slice(0, 2)).toEqual(BASE.steps);
  });

  it('changes a command in place ("instead")', () => {
    const { definition } = refine('use `df -h /` instead');
    expect(definition.steps).toEqual([{ ...CHECK_DISK, command: 'df -h /' }, NOTIFY]);
  });

  it('removes a step by type', () => {
    expect(refine('remove the notify step').definition.steps).toEqual([CHECK_DISK]);
  });

  it('refuses a removal that would break a reference, and says so', () => {
    const draft = refine('delete check_disk');
    expect(draft.definition).toEqual(BASE);
    expect(draft.notes.join('\n')).toMatch(/would not validate/);
  });

  it('puts new steps first when asked', () => {
    expect(ids(refine('wait 5 minutes first').definition)).toEqual(['wait_5_minutes', 'check_disk', 'notify']);
  });

  it('leaves the workflow unchanged when nothing is recognised, and says so', () => {
    const draft = refine('make it nicer');
    expect(draft.definition).toEqual(BASE);
    expect(draft.notes.join('\n')).toMatch(/no change was recognised/);
  });

  it('adds a loop over an earlier output with a step that splits it into items', () => {
    const { definition } = refine('then for each line ask claude to explain it');
    expect(definition.steps.slice(0, 2)).toEqual(BASE.steps);
    expect(definition.steps.slice(2)).toMatchObject([
      { id: 'list_items', type: 'agent_prompt', output: { schema: { required: ['items'] } } },
      {
        id: 'each_line',
        type: 'loop',
        over: 'steps.list_items.output.structured.items',
        steps: [{ type: 'agent_prompt', prompt: expect.stringContaining('{{ item }}') }],
      },
    ]);
  });
});
