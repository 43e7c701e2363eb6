import { scriptedTurn, type ModelProvider, type ModelTask } from '@weft/shared';
import { draftOffline } from './offline-drafter';
import { draftOfflineStep } from './offline-step-edit';

/** What the drafter answers a turn that is not a drafting task (nothing in Weft sends one). */
export const NOT_A_DRAFTING_TASK = '[offline] The offline drafter answers drafting requests only.';

function answer(task: ModelTask | undefined): string {
  if (task === undefined) return NOT_A_DRAFTING_TASK;
  switch (task.kind) {
    case 'draft': {
      const d = draftOffline({ prompt: task.prompt, ...(task.baseDraft !== undefined ? { baseDraft: task.baseDraft } : {}), timezone: task.timezone });
      return JSON.stringify({ definition: d.definition, ...(d.trigger ? { trigger: d.trigger } : {}), unhandled: d.unhandled, understood: d.understood });
    }
    case 'draft_step': {
      const d = draftOfflineStep({ definition: task.definition, stepId: task.stepId, prompt: task.prompt });
      return JSON.stringify({ definition: d.definition, unhandled: d.ok ? d.unhandled : [task.prompt] });
    }
    default: {
      const never: never = task;
      return never;
    }
  }
}

/**
 * Drafting without a language model: the rule-based drafter reads the request from the turn's
 * `task` and answers with the same JSON object a model gives, so drafting parses and checks both
 * alike. Deterministic, and labelled `offline` in every answer.
 */
export function createOfflineDraftingProvider(): ModelProvider {
  return {
    kind: 'offline',
    model: 'offline',
    async turn(req) {
      return scriptedTurn({ provider: 'offline', model: 'offline', content: [{ type: 'text', text: answer(req.task) }], onEvent: req.onEvent });
    },
  };
}
