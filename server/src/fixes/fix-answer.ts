import { FixAnswer, type WorkflowDefinition } from '@weft/shared';
import { validateDefinition } from '../workflows/validate-definition';
import type { AnswerCheck } from '../model/json-answer-loop';

export type CheckedFixAnswer = { diagnosis: string; summary: string | null; definition: WorkflowDefinition | null };

/** The model's answer: FixAnswer's shape, and a definition the shared validator accepts. */
export const checkFixAnswer: AnswerCheck<CheckedFixAnswer> = (answer) => {
  const shape = FixAnswer.safeParse(answer);
  if (!shape.success) {
    return { ok: false, errors: shape.error.issues.map((i) => ({ path: i.path.length > 0 ? i.path.join('.') : '(answer)', message: i.message })) };
  }
  const { diagnosis, summary, definition } = shape.data;
  if (definition === undefined || definition === null) return { ok: true, result: { diagnosis, summary: summary ?? null, definition: null } };
  const valid = validateDefinition(definition);
  if (!valid.ok) return { ok: false, errors: valid.errors.map((e) => ({ path: `definition.${e.path}`, message: e.message })) };
  return { ok: true, result: { diagnosis, summary: summary ?? null, definition: valid.definition } };
};
