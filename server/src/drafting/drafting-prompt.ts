// The system prompt for drafting with a model. Everything about step types
// comes from the step catalogue and the schemas, so the prompt says what the
// validator checks.

import {
  DEFAULT_LOOP_ITEM_NAME,
  effectiveLoopItemName,
  findStep,
  formatDuration,
  IDENTIFIER_PATTERN,
  isContainer,
  INPUT_TYPES,
  LOOP_DEFAULT_MAX_ITERATIONS,
  LOOP_MAX_ITERATIONS_LIMIT,
  referenceableStepIds,
  RESERVED_SCOPE_NAMES,
  STEP_CATALOGUE,
  STEP_ID_PATTERN,
  STEP_TYPES,
  StepCommon,
  WorkflowDefinition,
  type StepType,
} from '@weft/shared';
import { z } from 'zod';
import { DRAFTING_EXAMPLES } from './drafting-examples';

/** Operators expressions accept; tests check each against the parser. */
export const EXPRESSION_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&&', '||', '!'] as const;

interface Field {
  readonly name: string;
  readonly optional: boolean;
}

/** Top-level keys of an object schema, in order; empty for anything else. */
export function schemaFields(schema: unknown): Field[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({ name, optional: field.safeParse(undefined).success }));
}

const listFields = (fields: readonly Field[]): string => fields.map((field) => `\`${field.name}\`${field.optional ? ' (optional)' : ''}`).join(', ');
const json = (value: unknown): string => JSON.stringify(value, null, 2);

function stepTypeSection(type: StepType): string {
  const entry = STEP_CATALOGUE[type];
  const common = new Set(schemaFields(StepCommon).map((field) => field.name));
  const own = schemaFields(entry.configSchema).filter((field) => !common.has(field.name) && field.name !== 'type');
  const output = schemaFields(entry.outputSchema);
  const timeout =
    entry.defaultTimeoutSeconds === null
      ? 'No timeout unless `timeoutSeconds` is set.'
      : `Default timeout ${formatDuration(entry.defaultTimeoutSeconds)}${entry.maxTimeoutSeconds === undefined ? '' : `, at most ${formatDuration(entry.maxTimeoutSeconds)}`}.`;
  return [
    `### \`${type}\`: ${entry.title}`,
    entry.description,
    `Fields: \`type: "${type}"\`, ${listFields(own)}.`,
    output.length === 0 ? '' : `Output (\`steps.<id>.output\`): ${listFields(output)}.`,
    timeout,
    `Example:\n\`\`\`json\n${json(entry.example)}\n\`\`\``,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function formatRules(): string {
  const top = schemaFields(WorkflowDefinition);
  const common = schemaFields(StepCommon);
  const roots = [...RESERVED_SCOPE_NAMES.filter((name) => name !== 'loop'), DEFAULT_LOOP_ITEM_NAME, 'loop'];
  return `## Workflow format
A workflow definition is a JSON object with ${listFields(top)}. Unknown keys are errors everywhere.
- \`name\`: a short title. \`steps\`: at least one step; they run in order, one after another.
- \`inputs\`: named values given when a run starts: \`{ "<name>": { "type": ${INPUT_TYPES.map((t) => `"${t}"`).join(' | ')}, "required"?: boolean, "default"?: value, "description"?: string } }\`. Input names match ${IDENTIFIER_PATTERN.source}.
- Every step has ${listFields(common)} and \`type\`, one of: ${STEP_TYPES.join(', ')}.
- Step \`id\`s match ${STEP_ID_PATTERN.source} (lowercase snake_case) and are unique across the whole workflow, nested steps included.
- \`if\` is an expression: the step runs only when it is truthy (else it is skipped and its output is null).
- \`retry\`: \`{ "maxAttempts": 1-10, "backoffSeconds"?: number }\`. \`timeoutSeconds\` is a positive number.

## Templates and expressions
- Template fields (commands, prompts, messages, URLs, header and env values, strings inside an http body) are text with \`{{ expression }}\` parts. Write a literal \`{{\` as \`{{ "{{" }}\`.
- Expression fields (\`if\`, \`condition\`, a loop's \`over\` when it is a string) hold one expression without braces.
- Expressions read these names: ${roots.map((root) => `\`${root}\``).join(', ')}:
  - \`inputs.<name>\`: a workflow input (it must be declared in \`inputs\` when \`inputs\` is present);
  - \`steps.<id>.output...\`: the output of an earlier step (shapes are listed per step type below);
  - \`trigger\`: what started the run (a webhook's payload, the schedule...);
  - \`${DEFAULT_LOOP_ITEM_NAME}\` (or the loop's \`as\` name) and \`loop.index\` (0-based): only inside a loop's steps.
- Operators: ${EXPRESSION_OPERATORS.map((op) => `\`${op}\``).join(' ')}, parentheses, member access (\`a.b\`, \`a[0]\`, \`a["key"]\`), string, number, boolean, null and array literals. There are no function calls. \`===\`, \`!==\`, \`??\` and \`=\` are rejected: use \`==\`, \`!=\` and \`||\`. A missing key reads as null.

## Which outputs a step may read
A step may read \`steps.<id>.output\` only for a step that has certainly finished when it runs:
- an earlier step in the same list, or an earlier sibling of one of its enclosing steps (or a step nested inside such a step);
- never itself, a step that runs later, a container it sits in, or a step nested inside it;
- never a step in the other branch of the same conditional;
- from outside a loop, never a step inside that loop: read \`steps.<loop id>.output.results\` (one object per iteration, keyed by step id).
Loops run at most \`maxIterations\` times (default ${LOOP_DEFAULT_MAX_ITERATIONS}, limit ${LOOP_MAX_ITERATIONS_LIMIT}); an inline \`over\` array may not be longer.`;
}

function examplesSection(): string {
  return DRAFTING_EXAMPLES.map((example, i) => `### Example ${i + 1}\nRequest: ${example.request}\nAnswer:\n\`\`\`json\n${json(example.answer)}\n\`\`\``).join(
    '\n\n',
  );
}

/** The system prompt for drafting a workflow from a request. */
/** The definition format and every step type: what a model needs to write a valid workflow (drafting, fixes). */
export function workflowFormatReference(): string {
  return [formatRules(), `## Step types\n${STEP_TYPES.map(stepTypeSection).join('\n\n')}`].join('\n\n');
}

export function buildDraftingSystemPrompt(): string {
  return [
    `You draft workflows for Weft, a self-hosted workflow runner driven from chat. Turn the user's request into one workflow definition that passes Weft's validator, and suggest how it should be triggered.`,
    workflowFormatReference(),
    `## Examples\n${examplesSection()}`,
    `## Your answer
Answer with a single JSON object and nothing else: \`{ "definition": { ...the complete workflow... }, "trigger"?: ..., "unhandled": [...] }\`.
- \`unhandled\` lists, in a few words each, every part of the request that no step carries out (e.g. \`"if any disk is over 80%"\`). Never drop a part silently: list it. Use \`[]\` only when every part is drafted.
- \`trigger\` is one of \`{ "type": "schedule", "schedule": { "cron": "<5-field cron>", "timezone"?: "<IANA zone>" } }\`, \`{ "type": "webhook" }\` or \`{ "type": "manual" }\`; leave it out when the request does not say when to run.
- Cron has five fields: minute hour day-of-month month day-of-week (0 or 7 is Sunday), e.g. \`0 9 * * 1-5\` for weekdays at 9:00.
- Use only the step types and fields above. Prefer few, clearly named steps; give each a short \`name\`.
- Pass data on with templates that read earlier outputs; do not invent outputs a step type does not have.
- When changing an existing draft, keep every step you were not asked to change exactly as it is.
- \`definition.name\` is a short title (a few words, e.g. "Disk check"), never the request sentence.`,
  ].join('\n\n');
}

/** Added to the system prompt when only one step may change. */
export function buildStepRefinePrompt({ definition, stepId }: { definition: WorkflowDefinition; stepId: string }): string {
  const found = findStep(definition, stepId);
  if (found === null) return `## Editing one step\nThere is no step \`${stepId}\` in this workflow. Answer with the workflow unchanged.`;
  const readable = referenceableStepIds(definition, stepId);
  const loopNames = found.ancestors.flatMap((ancestor) => (ancestor.step.type === 'loop' ? [effectiveLoopItemName(ancestor.step)] : []));
  const inLoop =
    loopNames.length === 0
      ? ''
      : `, and (inside its loop) ${[...new Set([...loopNames, DEFAULT_LOOP_ITEM_NAME])].map((name) => `\`${name}\``).join(', ')} and \`loop.index\``;
  return `## Editing one step
Change only step \`${stepId}\` (a \`${found.step.type}\` step at ${found.path}). Answer with the complete workflow definition in which:
- every other step, wherever it is, and every top-level field (${schemaFields(WorkflowDefinition)
    .filter((field) => field.name !== 'steps')
    .map((field) => `\`${field.name}\``)
    .join(', ')}) is exactly as it is now;
- step \`${stepId}\` keeps its id and its place; any of its other fields may change${isContainer(found.step) ? ', and it may gain nested steps, but the nested steps it has stay exactly as they are' : ''};
- step \`${stepId}\` reads only ${readable.length === 0 ? 'inputs and trigger (no step finishes before it)' : `the outputs of ${readable.map((id) => `\`${id}\``).join(', ')}, inputs and trigger`}${inLoop}.
Leave \`trigger\` out of the answer. If the change cannot be made as asked, answer with the step unchanged and the request in \`unhandled\`; never paste the request into the step.

The step now:
\`\`\`json
${json(found.step)}
\`\`\``;
}
