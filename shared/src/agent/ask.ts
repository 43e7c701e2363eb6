import { z } from 'zod';
import { STEP_ID_PATTERN } from '../steps/common';

/**
 * What the card shows for a call a person must decide: the exact call, made readable. The runner
 * fills it; the server stores and shows it as given (capped), never runs it.
 */
export const AskPreview = z.object({
  /** `workspace:bash`: the command. */
  command: z.string().max(20_000).optional(),
  /** File tools: the path, relative to the workspace root. */
  path: z.string().max(2000).optional(),
  /** `workspace:write_file` / `edit_file`: the unified diff the call would make. */
  diff: z.string().max(100_000).optional(),
  /** `agent:ask_user`: the question. */
  question: z.string().max(4000).optional(),
  /** The workspace the call works in (`workspaceKey`). */
  workspace: z.string().max(2100).optional(),
});
export type AskPreview = z.infer<typeof AskPreview>;

/**
 * `POST /api/tools/ask` (runner credential, lease-checked like `/api/tools/call`): an agent step asks
 * a person to decide a tool call (`kind: "tool"`, the policy said `ask`) or to answer a question
 * (`kind: "question"`, `agent:ask_user`). The same `key` within one execution names the same ask, so
 * a resend or a resumed step attaches to the ask already made (and gets its decision if taken).
 * The server answers at once or after up to `waitMs` (long poll); the runner asks again while pending.
 */
export const ToolAskRequest = z.strictObject({
  key: z.string().min(1).max(300),
  kind: z.enum(['tool', 'question']),
  tool: z.strictObject({ name: z.string().min(1).max(200), arguments: z.unknown() }),
  preview: AskPreview.default({}),
  waitMs: z.number().int().min(0).max(25_000).default(20_000),
  context: z.strictObject({
    executionId: z.string().min(1).max(100),
    stepId: z.string().regex(STEP_ID_PATTERN),
    iterationPath: z.string().max(2000).default(''),
    runnerId: z.string().min(1).max(100),
    leaseAttempt: z.number().int().min(1),
  }),
});
export type ToolAskRequest = z.infer<typeof ToolAskRequest>;
export type ToolAskRequestInput = z.input<typeof ToolAskRequest>;

/** How far an approval reaches: this call only, or every later ask of the same tool in this step attempt. */
export const AskScope = z.enum(['once', 'step']);
export type AskScope = z.infer<typeof AskScope>;

export const ToolAskResponse = z.object({
  approvalId: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'closed']),
  /** Set once decided. For a question, `comment` is the person's answer. */
  decision: z
    .object({
      decidedBy: z.string(),
      comment: z.string().nullable(),
      scope: AskScope,
    })
    .optional(),
});
export type ToolAskResponse = z.infer<typeof ToolAskResponse>;
