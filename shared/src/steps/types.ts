import type { z } from 'zod';
import type { AgentPromptStep } from './agent-prompt';
import type { ApprovalStep } from './approval';
import type { BashStep } from './bash';
import type { ConditionalStep } from './conditional';
import type { HttpStep } from './http';
import type { LoopStep } from './loop';
import type { NotifyStep } from './notify';
import type { ToolStep } from './tool';
import type { WaitStep } from './wait';

/** Every step type, in the order the catalogue, docs and drafting prompt list them. */
export const STEP_TYPES = ['agent_prompt', 'bash', 'notify', 'http', 'conditional', 'loop', 'approval', 'wait', 'tool'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export type Step = AgentPromptStep | BashStep | NotifyStep | HttpStep | ConditionalStep | LoopStep | ApprovalStep | WaitStep | ToolStep;
export type StepOfType<T extends StepType> = Extract<Step, { type: T }>;
export type ContainerStep = ConditionalStep | LoopStep;

// Compile-time proof that STEP_TYPES and the Step union name the same types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const stepTypesMatchUnion: Same<StepType, Step['type']> = true;
void stepTypesMatchUnion;

/** A string field of a step that holds an expression or a template, with its path relative to the step. */
export interface ExpressionSite {
  readonly path: readonly (string | number)[];
  readonly kind: 'expression' | 'template';
  readonly source: string;
}

export interface StepCatalogueEntry<T extends StepType> {
  readonly type: T;
  readonly title: string;
  /** One paragraph for people and for the drafting prompt. */
  readonly description: string;
  /**
   * Validates a whole step object of this type: the common fields (`id`, `name`,
   * `if`, `timeoutSeconds`, `retry`), `type`, and this type's own fields. Strict.
   * Nested steps of containers are validated recursively.
   */
  readonly configSchema: z.ZodType<StepOfType<T>>;
  /** What `steps.<id>.output` holds once a step of this type has succeeded. */
  readonly outputSchema: z.ZodType;
  readonly example: StepOfType<T>;
  /** Used when the step sets no `timeoutSeconds`; null means no limit. */
  readonly defaultTimeoutSeconds: number | null;
  readonly maxTimeoutSeconds?: number;
  /** Conditional and loop hold nested steps. */
  readonly container?: true;
  /** One-line summary a diagram node shows (the command, a prompt excerpt...). */
  readonly keyParam: (step: StepOfType<T>) => string;
  /** This type's own expression and template fields (the common `if` is not included). */
  readonly expressionSites: (step: StepOfType<T>) => ExpressionSite[];
}
