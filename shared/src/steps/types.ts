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

/** The fields of a step type that hold nested step lists: `then` and `else`, `steps`; never for other types. */
export type ChildBranchField<T extends StepType> = {
  [K in keyof StepOfType<T>]-?: NonNullable<StepOfType<T>[K]> extends readonly Step[] ? K : never;
}[keyof StepOfType<T>];
/** Any container's nested-list field. */
export type StepBranch = { [T in StepType]: ChildBranchField<T> }[StepType];
/** The step types that hold nested steps, derived from their fields. */
export type ContainerStepType = { [T in StepType]: [ChildBranchField<T>] extends [never] ? never : T }[StepType];
export type ContainerStep = StepOfType<ContainerStepType>;

/** How a step type holds nested steps; only containers have one. */
export interface StepContainer<T extends StepType> {
  /** The fields holding nested step lists, in document order. */
  readonly branches: readonly ChildBranchField<T>[];
  /**
   * Where the outputs of nested steps live. `container`: in the container's own scope, so steps
   * after the container read them (conditional). `iteration`: in each iteration's own scope, read
   * afterwards only through the container's output (loop).
   */
  readonly nestedScope: 'container' | 'iteration';
}

// Compile-time proof that STEP_TYPES and the Step union name the same types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const stepTypesMatchUnion: Same<StepType, Step['type']> = true;
void stepTypesMatchUnion;
// Containers are found from the step shapes: a new field holding steps shows up here.
const containersAreKnown: Same<[ContainerStepType, StepBranch], ['conditional' | 'loop', 'then' | 'else' | 'steps']> = true;
void containersAreKnown;

/** A string field of a step that holds an expression or a template, with its path relative to the step. */
export interface ExpressionSite {
  readonly path: readonly (string | number)[];
  readonly kind: 'expression' | 'template';
  readonly source: string;
}

/** A JSON Schema a step carries (an `agent_prompt` step's `output.schema`), with its path relative to the step. */
export interface JsonSchemaSite {
  readonly path: readonly (string | number)[];
  readonly schema: Record<string, unknown>;
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
  /** Present on the types that hold nested steps (conditional, loop); every walk over nested steps reads it. */
  readonly container?: StepContainer<T>;
  /** One-line summary a diagram node shows (the command, a prompt excerpt...). */
  readonly keyParam: (step: StepOfType<T>) => string;
  /** This type's own expression and template fields (the common `if` is not included). */
  readonly expressionSites: (step: StepOfType<T>) => ExpressionSite[];
  /**
   * The JSON Schemas this type's steps carry; absent for types that carry none. The validator
   * checks their patterns compile on RE2 (`unsupportedSchemaPatterns`), so a new schema field is
   * declared here, once.
   */
  readonly jsonSchemaSites?: (step: StepOfType<T>) => JsonSchemaSite[];
}
