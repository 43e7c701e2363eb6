import { extractJsonObject, validateWorkflowDefinition, type TurnEvent, type WorkflowDefinition } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { createDrafting } from '../drafting';
import { draftOffline } from './offline-drafter';
import { createOfflineDraftingProvider, NOT_A_DRAFTING_TASK } from './offline-provider';

const PROMPT = 'every weekday at 9 run `df -h` and notify me';

describe('the offline drafting provider', () => {
  it('answers a draft task with the JSON object a model gives, streamed as text and labelled offline', async () => {
    const events: TurnEvent[] = [];
    const turn = await createOfflineDraftingProvider().turn({
      messages: [{ role: 'user', content: 'the prose a model would read' }],
      task: { kind: 'draft', prompt: PROMPT, timezone: 'Europe/Paris' },
      onEvent: (e) => events.push(e),
    });
    expect(turn).toMatchObject({ provider: 'offline', model: 'offline', stopReason: 'end_turn', usage: { inputTokens: 0, outputTokens: 0 } });
    const parsed = extractJsonObject(turn.text);
    const expected = draftOffline({ prompt: PROMPT, timezone: 'Europe/Paris' });
    expect(parsed).toEqual({ ok: true, value: { definition: expected.definition, trigger: expected.trigger, unhandled: [], understood: true } });
    expect(expected.trigger).toEqual({ type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Paris' } });
    expect(
      events
        .filter((e) => e.kind === 'text')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe(turn.text);
  });

  it('answers a step task by changing that step alone', async () => {
    const definition = draftOffline({ prompt: PROMPT }).definition;
    const stepId = definition.steps[0]!.id;
    const turn = await createOfflineDraftingProvider().turn({
      messages: [],
      task: { kind: 'draft_step', definition, stepId, prompt: 'use `df -h /` instead' },
    });
    const parsed = extractJsonObject(turn.text);
    if (!parsed.ok) throw new Error(parsed.error);
    const after = parsed.value.definition as WorkflowDefinition;
    expect(after.steps[0]).toMatchObject({ id: stepId, command: 'df -h /' });
    expect(after.steps.slice(1)).toEqual(definition.steps.slice(1));
    expect(validateWorkflowDefinition(after).ok).toBe(true);
  });

  it('says plainly that it answers nothing but drafting tasks', async () => {
    const turn = await createOfflineDraftingProvider().turn({ messages: [{ role: 'user', content: 'hello' }] });
    expect(turn.text).toBe(NOT_A_DRAFTING_TASK);
  });

  it('goes through the same drafting path as a model: parsed, checked, one attempt', async () => {
    const drafting = createDrafting({ model: createOfflineDraftingProvider(), timezone: 'UTC' });
    const draft = await drafting.draft({ prompt: PROMPT });
    expect(draft).toMatchObject({
      provider: 'offline',
      model: 'offline',
      attempts: 1,
      trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'UTC' } },
    });
    const refined = await drafting.draft({ prompt: 'rename it to Disk report', baseDraft: draft.definition });
    expect(refined.definition).toMatchObject({ name: 'Disk report', steps: draft.definition.steps });
  });
});
