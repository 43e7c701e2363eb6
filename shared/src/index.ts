export * from './errors';

export * from './expressions/expression-error';
export * from './expressions/parse';
export * from './expressions/evaluate';
export * from './expressions/format-value';
export * from './expressions/scope';
export * from './expressions/templates';
export * from './expressions/references';

export {
  STEP_TYPES,
  type ChildBranchField,
  type ContainerStep,
  type ContainerStepType,
  type ExpressionSite,
  type JsonSchemaSite,
  type StepBranch,
  type StepContainer,
  type StepCatalogueEntry,
  type StepOfType,
  type StepType,
} from './steps/types';
export * from './steps/common';
export * from './steps/agent-prompt';
export * from './steps/bash';
export * from './steps/shell-template';
export * from './steps/notify';
export * from './steps/http';
export { ConditionalOutput, conditionalEntry, conditionalStepSchema } from './steps/conditional';
export {
  LOOP_DEFAULT_MAX_ITERATIONS,
  LOOP_MAX_ITERATIONS_LIMIT,
  LoopOutput,
  effectiveLoopItemName,
  effectiveMaxIterations,
  loopEntry,
  loopStepSchema,
} from './steps/loop';
export * from './steps/approval';
export * from './steps/approver-rule';
export * from './steps/wait';
export * from './steps/tool';
export * from './steps/workspace';
export * from './agent';
export * from './steps/step-schema';
export { STEP_CATALOGUE, isStepType, type StepCatalogue } from './steps/catalogue';
export * from './steps/helpers';
export { excerpt, formatDuration } from './steps/text';

export {
  INPUT_TYPES,
  InputName,
  WorkflowDefinition,
  WorkflowInput,
  WorkflowInputType,
  WorkflowInputs,
  valueMatchesInputType,
} from './workflow/schema';
export * from './workflow/path';
export * from './workflow/plain-json';
export * from './workflow/walk';
export * from './workflow/references';
export * from './workflow/validate';
export * from './workflow/hidden-characters';
export * from './json-schema/linear-regexp';
export * from './json-schema/schema-patterns';
export { describeIssue } from './workflow/issues';

// Contracts owned by the server/runner/client work (API shapes, protocols, chat messages).
export * from './api';
export * from './chat/message';
export * from './chat/message-builder';
export * from './chat/commands';
export * from './executions';
export * from './protocol/events';
export * from './protocol/topics';
export * from './protocol/live';
export * from './protocol/runner';
export * from './protocol/backoff';
export * from './protocol/client-frame';
export * from './protocol/runner-frames';
export * from './tracing/traceparent';
export * from './tracing/otel-settings';
export * from './model';
export * from './diff/definition-diff';
export * from './diff/definition-summary';
export { fieldDiff, type FieldChange } from './diff/field-diff';
export * from './fixes';
export * from './templates/workflow-templates';
export * from './log/pretty';
