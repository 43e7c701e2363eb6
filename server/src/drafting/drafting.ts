import {
  deepEqual,
  findStep,
  mapChildSteps,
  replaceStep,
  walkSteps,
  type ModelProvider,
  type ModelTask,
  type ProviderKind,
  type Step,
  type WorkflowDefinition,
} from '@weft/shared';
import { validateDefinition } from '../workflows/validate-definition';
import { Cron } from 'croner';
import { AppError, notFound } from '../http/errors';
import { DraftAnswer, DRAFT_ANSWER_JSON_SCHEMA } from './draft-answer';
import { buildDraftingSystemPrompt, buildStepRefinePrompt } from './drafting-prompt';
import { checkStepScopedEdit } from './step-scope';
import { askForJsonAnswer, type AnswerIssue } from '../model/json-answer-loop';

export const MAX_DRAFT_ATTEMPTS = 3;

export type DraftResult = {
  definition: WorkflowDefinition;
  trigger?: SuggestedTrigger;
  attempts: number;
  provider: ProviderKind;
  model: string;
  /** What no step represents (see `DraftResponse.unhandled`). */
  unhandled: string[];
  understood: boolean;
};
type CheckedAnswer = { definition: WorkflowDefinition; trigger?: SuggestedTrigger; unhandled: string[]; understood: boolean };
export type SuggestedTrigger = { type: 'schedule'; schedule: { cron: string; timezone: string } } | { type: 'webhook' } | { type: 'manual' };
type Issue = AnswerIssue;

function checkTrigger(trigger: unknown, timezone: string): { trigger?: SuggestedTrigger; errors: Issue[] } {
  if (trigger === undefined || trigger === null) return { errors: [] };
  const t = trigger as { type?: string; schedule?: { cron?: unknown; timezone?: unknown } };
  if (t.type === 'manual') return { trigger: { type: 'manual' }, errors: [] };
  if (t.type === 'webhook') return { trigger: { type: 'webhook' }, errors: [] };
  if (t.type !== 'schedule' || typeof t.schedule?.cron !== 'string') {
    return {
      errors: [{ path: 'trigger', message: 'trigger must be { type: "schedule", schedule: { cron, timezone } }, { type: "webhook" } or { type: "manual" }' }],
    };
  }
  const tz = typeof t.schedule.timezone === 'string' ? t.schedule.timezone : timezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return { errors: [{ path: 'trigger.schedule.timezone', message: `unknown timezone ${JSON.stringify(tz)}` }] };
  }
  try {
    new Cron(t.schedule.cron, { timezone: tz, paused: true }).stop();
  } catch (err) {
    return { errors: [{ path: 'trigger.schedule.cron', message: `invalid cron: ${(err as Error).message}` }] };
  }
  return { trigger: { type: 'schedule', schedule: { cron: t.schedule.cron, timezone: tz } }, errors: [] };
}

/**
 * Drafts and refines workflows: the model's answer is checked by the shared validator (and, for a
 * step refine, by the step-scope check); on failure the errors go back to the model, at most
 * MAX_DRAFT_ATTEMPTS attempts in all. Without a language model the offline provider answers the
 * same way (deterministic, labelled `offline`).
 */
export function createDrafting({ model, timezone }: { model: ModelProvider; timezone: string }) {
  // Built from the catalogue alone, so once.
  const systemPrompt = buildDraftingSystemPrompt();
  async function loop({
    system,
    firstMessage,
    task,
    check,
    signal,
  }: {
    system: string;
    firstMessage: string;
    task: ModelTask;
    check: (answer: unknown) => { ok: true; result: CheckedAnswer } | { ok: false; errors: Issue[] };
    signal?: AbortSignal | undefined;
  }): Promise<DraftResult> {
    const answer = await askForJsonAnswer({
      model,
      system,
      firstMessage,
      schema: DRAFT_ANSWER_JSON_SCHEMA as Record<string, unknown>,
      task,
      check,
      maxAttempts: MAX_DRAFT_ATTEMPTS,
      signal,
    });
    if (answer.ok) return { ...answer.result, attempts: answer.attempts, provider: answer.provider, model: answer.model };
    throw new AppError(422, 'draft_invalid', `the model did not produce a valid workflow in ${MAX_DRAFT_ATTEMPTS} attempts`, {
      errors: answer.errors,
      attempts: MAX_DRAFT_ATTEMPTS,
      lastDraft: answer.lastAnswer,
    });
  }

  const checkAnswer = (answer: unknown, extra?: (definition: WorkflowDefinition) => Issue[]) => {
    const shape = DraftAnswer.safeParse(answer);
    const candidate = shape.success ? shape.data : (answer as { definition?: unknown; trigger?: unknown });
    const definitionInput = candidate && typeof candidate === 'object' && 'definition' in candidate ? candidate.definition : answer;
    const validation = validateDefinition(definitionInput);
    if (!validation.ok) return { ok: false as const, errors: validation.errors.map((e) => ({ path: `definition.${e.path}`, message: e.message })) };
    const scoped = extra?.(validation.definition) ?? [];
    if (scoped.length > 0) return { ok: false as const, errors: scoped };
    const trig = checkTrigger((candidate as { trigger?: unknown })?.trigger, timezone);
    if (trig.errors.length > 0) return { ok: false as const, errors: trig.errors };
    const unhandled = (shape.success ? (shape.data.unhandled ?? []) : []).map((part) => part.trim()).filter((part) => part !== '');
    const understood = shape.success ? shape.data.understood !== false : true;
    return { ok: true as const, result: { definition: validation.definition, ...(trig.trigger ? { trigger: trig.trigger } : {}), unhandled, understood } };
  };

  return {
    async draft({
      prompt,
      baseDraft,
      timezone: tz,
      signal,
    }: {
      prompt: string;
      baseDraft?: unknown;
      timezone?: string | undefined;
      signal?: AbortSignal;
    }): Promise<DraftResult> {
      if (baseDraft !== undefined) {
        const base = validateDefinition(baseDraft);
        if (!base.ok) throw new AppError(422, 'invalid_definition', `baseDraft: ${base.errors[0]!.path}: ${base.errors[0]!.message}`, { errors: base.errors });
      }
      const zone = tz ?? timezone;
      const base = baseDraft === undefined ? '' : `\n\nThe current draft, to change as asked (keep everything else):\n${JSON.stringify(baseDraft, null, 2)}`;
      return loop({
        system: systemPrompt,
        firstMessage: `${prompt}${base}\n\nTimezone for schedules: ${zone}.`,
        task: { kind: 'draft', prompt, ...(baseDraft !== undefined ? { baseDraft: baseDraft as WorkflowDefinition } : {}), timezone: zone },
        check: (a) => checkAnswer(a),
        signal,
      });
    },

    async draftStep({
      definition,
      stepId,
      prompt,
      signal,
    }: {
      definition: unknown;
      stepId: string;
      prompt: string;
      signal?: AbortSignal;
    }): Promise<DraftResult> {
      const base = validateDefinition(definition);
      if (!base.ok) throw new AppError(422, 'invalid_definition', `definition: ${base.errors[0]!.path}: ${base.errors[0]!.message}`, { errors: base.errors });
      if (!findStep(base.definition, stepId)) throw notFound(`step ${stepId}`);
      const scope = (after: WorkflowDefinition) => {
        const r = checkStepScopedEdit(base.definition, after, stepId);
        return r.ok ? [] : r.errors;
      };
      const result = await loop({
        system: `${systemPrompt}\n\n${buildStepRefinePrompt({ definition: base.definition, stepId })}`,
        firstMessage: `${prompt}\n\nThe workflow (change only step \`${stepId}\`):\n${JSON.stringify(base.definition, null, 2)}`,
        task: { kind: 'draft_step', definition: base.definition, stepId, prompt },
        check: (a) => checkAnswer(a, scope),
        signal,
      });
      // Only the edited step is taken from the answer: the rest of it is equal as JSON (checked) but
      // may differ as text (key order), and a saved workflow's other steps must stay byte-identical.
      // Steps the edited container already held are equal as JSON too (checked), so they are also taken from the base.
      const baseSteps = new Map<string, Step>();
      walkSteps(base.definition.steps, ({ step }) => void baseSteps.set(step.id, step));
      const keepBaseChildren = (step: Step): Step =>
        mapChildSteps(step, (children) => children.map((child) => baseSteps.get(child.id) ?? keepBaseChildren(child)));
      const edited = keepBaseChildren(findStep(result.definition, stepId)!.step);
      // A step the answer left as it was is a refine not applied: say so, with the request as what was not done.
      const applied = !deepEqual(edited, findStep(base.definition, stepId)!.step);
      const unhandled = applied || result.unhandled.length > 0 ? result.unhandled : [prompt.trim()];
      return { ...result, unhandled, definition: { ...base.definition, steps: replaceStep(base.definition.steps, stepId, edited) } };
    },
  };
}

export type Drafting = ReturnType<typeof createDrafting>;
