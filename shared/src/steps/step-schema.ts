import { z } from 'zod';
import { AgentPromptStep } from './agent-prompt';
import { ApprovalStep } from './approval';
import { BashStep } from './bash';
import { conditionalStepSchema, type ConditionalStep as ConditionalStepType } from './conditional';
import { HttpStep } from './http';
import { loopStepSchema, type LoopStep as LoopStepType } from './loop';
import { NotifyStep } from './notify';
import { ToolStep } from './tool';
import { STEP_TYPES, type Step as AnyStep } from './types';
import { WaitStep } from './wait';

// Containers nest the union that contains them; the lazy reference ties that
// knot in this one module so no step file has to import the union.
export const Step: z.ZodType<AnyStep> = z.lazy(() => StepUnion);
export type Step = AnyStep;

export const ConditionalStep = conditionalStepSchema(Step);
export type ConditionalStep = ConditionalStepType;
export const LoopStep = loopStepSchema(Step);
export type LoopStep = LoopStepType;

const StepUnion = z.discriminatedUnion('type', [AgentPromptStep, BashStep, NotifyStep, HttpStep, ConditionalStep, LoopStep, ApprovalStep, WaitStep, ToolStep], {
  error: (issue) => (issue.code === 'invalid_union' ? unknownTypeMessage(issue.input) : undefined),
});

export function unknownTypeMessage(step: unknown): string {
  const allowed = `allowed: ${STEP_TYPES.join(', ')}`;
  const type = ownValue(step, 'type');
  if (type === undefined) return `missing step type; ${allowed}`;
  if (typeof type !== 'string') return `step type must be a string; ${allowed}`;
  const shown = type.length > 60 ? `${type.slice(0, 59)}…` : type;
  return `unknown step type ${JSON.stringify(shown)}; ${allowed}`;
}

// Reads without running getters: this message is built from untrusted input.
function ownValue(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
  } catch {
    return undefined;
  }
}
