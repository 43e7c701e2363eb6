import { z } from 'zod';
import { IDENTIFIER_PATTERN, isPlainObject } from '../steps/common';
import { Step } from '../steps/step-schema';

export { Step };
export type { ContainerStep, StepType, StepOfType } from '../steps/types';
export type { AgentPromptStep } from '../steps/agent-prompt';
export type { ApprovalStep } from '../steps/approval';
export type { BashStep } from '../steps/bash';
export type { ConditionalStep } from '../steps/conditional';
export type { HttpStep } from '../steps/http';
export type { LoopStep } from '../steps/loop';
export type { NotifyStep } from '../steps/notify';
export type { WaitStep } from '../steps/wait';
export type { ToolStep } from '../steps/tool';

export const INPUT_TYPES = ['string', 'number', 'boolean', 'object', 'array'] as const;
export const WorkflowInputType = z.enum(INPUT_TYPES);
export type WorkflowInputType = z.infer<typeof WorkflowInputType>;

export function valueMatchesInputType(value: unknown, type: WorkflowInputType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    default: {
      const unexpected: never = type;
      return unexpected;
    }
  }
}

export const WorkflowInput = z
  .strictObject({
    type: WorkflowInputType,
    default: z.unknown().optional(),
    description: z.string().optional(),
    required: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.default !== undefined && !valueMatchesInputType(input.default, input.type)) {
      ctx.addIssue({ code: 'custom', message: `default must be of type ${input.type}`, path: ['default'] });
    }
  });
export type WorkflowInput = z.infer<typeof WorkflowInput>;

export const InputName = z.string().regex(IDENTIFIER_PATTERN, {
  error: 'input names must be identifiers: letters, digits and _, not starting with a digit, at most 64 characters',
});

export const WorkflowInputs = z.record(InputName, WorkflowInput);
export type WorkflowInputs = z.infer<typeof WorkflowInputs>;

/**
 * The structural schema of a workflow definition. It checks shapes, bounds and
 * expression syntax but not cross-step rules (duplicate ids, references);
 * `validateWorkflowDefinition` does both and is what saves should call.
 */
export const WorkflowDefinition = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(200)
    .refine((name) => name.trim() !== '', { error: 'must not be blank' }),
  description: z.string().optional(),
  inputs: WorkflowInputs.optional(),
  /** Names of integrations (credentials, tools) the workflow needs. */
  requires: z.array(z.string().min(1).max(100)).optional(),
  steps: z.array(Step).min(1),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
