import { agentPromptEntry } from './agent-prompt';
import { approvalEntry } from './approval';
import { bashEntry } from './bash';
import { conditionalEntry } from './conditional';
import { httpEntry } from './http';
import { loopEntry } from './loop';
import { notifyEntry } from './notify';
import { ConditionalStep, LoopStep } from './step-schema';
import { toolEntry } from './tool';
import { STEP_TYPES, type StepCatalogueEntry, type StepType } from './types';
import { waitEntry } from './wait';

export { STEP_TYPES };

export type StepCatalogue = { readonly [T in StepType]: StepCatalogueEntry<T> };

/**
 * The single description of every step type. The validator, the runner's
 * registry, the drafting prompt and the diagram all read this object, so a
 * new step type is added here and nowhere else in shared/.
 */
export const STEP_CATALOGUE: StepCatalogue = {
  agent_prompt: agentPromptEntry,
  bash: bashEntry,
  notify: notifyEntry,
  http: httpEntry,
  conditional: { ...conditionalEntry, configSchema: ConditionalStep },
  loop: { ...loopEntry, configSchema: LoopStep },
  approval: approvalEntry,
  wait: waitEntry,
  tool: toolEntry,
};

export function isStepType(value: unknown): value is StepType {
  return typeof value === 'string' && (STEP_TYPES as readonly string[]).includes(value);
}
