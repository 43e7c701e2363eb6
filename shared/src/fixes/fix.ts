import { z } from 'zod';

/**
 * "Fix with the assistant" (issue 22 §3): what a fix knows about a failed run, and the record kept
 * on the run. The server builds the context deterministically from the journal and the stored
 * definition; with a language model it adds a diagnosis and, when it can, a proposal (a changed
 * definition stored as a workflow proposal). Applying and re-running are the person's choice.
 */

/** Values in a fix context are cut to this many characters of JSON (outputs can be large); so are the whole log tail and the step's error. */
export const FIX_VALUE_MAX_CHARS = 4000;
/** How many log lines a fix context keeps, newest last. */
export const FIX_LOG_LINES = 20;
/** Each log line of a fix context is cut to this many characters (one step can print megabytes on one line). */
export const FIX_LOG_LINE_MAX_CHARS = 500;
/** At most this many feeders (the steps the failed one reads) in a fix context, in the definition's order. */
export const FIX_FEEDERS_MAX = 20;
/** What ends a text a fix context cut. */
export const FIX_CUT_MARKER = '…';

/** A value as JSON text, cut to `max` characters with a marker: what the assistant and the card show. */
export const FixValue = z.object({ json: z.string(), truncated: z.boolean() });
export type FixValue = z.infer<typeof FixValue>;

/** A step whose output the failed step reads (an expression in it references that step). */
export const FixFeeder = z.object({
  stepId: z.string(),
  /** The step's last attempt in the run; null when it never ran (skipped branch, or after the failure). */
  status: z.string().nullable(),
  output: FixValue.nullable(),
});
export type FixFeeder = z.infer<typeof FixFeeder>;

/** The deterministic part of a fix: the same with and without a model. */
export const FixContext = z.object({
  executionId: z.string(),
  workflowId: z.string(),
  workflowName: z.string().nullable(),
  workflowVersion: z.number().int(),
  status: z.string(),
  inputs: FixValue,
  failedStep: z
    .object({
      stepId: z.string(),
      type: z.string().nullable(),
      iterationPath: z.string(),
      attempt: z.number().int(),
      error: z.string(),
      /** The step's resolved input as the runner reported it, when it did. */
      input: FixValue.nullable(),
    })
    .nullable(),
  logTail: z.array(z.string()),
  feeders: z.array(FixFeeder),
  /** The top-level step a re-run starts from (contains the failed step); null when nothing failed. */
  rerunFromStepId: z.string().nullable(),
});
export type FixContext = z.infer<typeof FixContext>;

export const FIX_STATUSES = ['diagnosing', 'diagnosed', 'proposed', 'applied', 'rerun'] as const;

/**
 * `GET /api/fixes/:id`, `GET /api/executions/:id/fixes`, the `fix.updated` event. `status` moves
 * forward only: diagnosing → diagnosed (no proposal) | proposed → applied → rerun; an offline fix
 * starts at `diagnosed` with `diagnosis: null`. `rerun.status` is read live from that execution.
 */
export const ExecutionFix = z.object({
  id: z.string(),
  executionId: z.string(),
  workflowId: z.string(),
  /** The version the failed run ran. */
  workflowVersion: z.number().int(),
  sessionId: z.string().nullable(),
  status: z.enum(FIX_STATUSES),
  /** `offline` when no model was configured: context only. */
  provider: z.string(),
  context: FixContext,
  diagnosis: z.string().nullable(),
  /** One line: what the proposal changes ("disk threshold read from the wrong field"). */
  summary: z.string().nullable(),
  proposalId: z.string().nullable(),
  /**
   * The proposal's own status, read live: it may be accepted, rejected or applied outside the fix
   * (the proposals routes and tools); a rejected one cannot be applied. Null without a proposal.
   */
  proposalStatus: z.enum(['open', 'accepted', 'rejected', 'applied']).nullable(),
  /** The version the applied proposal made (by the fix's Apply, or the proposal applied elsewhere). */
  appliedVersion: z.number().int().nullable(),
  /** The step the re-run starts from (see `fixRerunFromStep`). */
  rerunFromStepId: z.string().nullable(),
  rerun: z.object({ executionId: z.string(), status: z.string() }).nullable(),
  /** Why the model gave no proposal or failed, when it did. */
  error: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ExecutionFix = z.infer<typeof ExecutionFix>;

/** What the model answers for a fix (checked; an invalid `definition` goes back with its errors). */
export const FixAnswer = z.object({
  diagnosis: z.string().min(1).max(8000),
  summary: z.string().max(300).optional(),
  /** The whole changed workflow definition; absent or null when the fix is outside the workflow. */
  definition: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type FixAnswer = z.infer<typeof FixAnswer>;

export const FIX_ANSWER_JSON_SCHEMA = {
  type: 'object',
  properties: {
    diagnosis: { type: 'string', description: 'Why the run failed, in a few sentences, naming the step and the field.' },
    summary: { type: 'string', description: 'One line naming what the proposed change fixes.' },
    definition: {
      anyOf: [{ type: 'object' }, { type: 'null' }],
      description: 'The complete changed workflow definition, or null when the workflow itself is not at fault.',
    },
  },
  required: ['diagnosis'],
  additionalProperties: false,
} as const;

/** `POST /api/executions/:id/fixes` body: the chat the fix is answered in (a new one when absent). */
export const CreateFixRequest = z.object({ sessionId: z.string().min(1).max(100).optional() }).strict();
export type CreateFixRequest = z.infer<typeof CreateFixRequest>;
