import { z } from 'zod';
import { STEP_ID_PATTERN, STEP_ID_SOURCE } from '../steps/common';

export const TextPart = z.object({ type: z.literal('text'), text: z.string() });
export const ToolCallPart = z.object({
  type: z.literal('tool_call'),
  id: z.string(),
  name: z.string(),
  /** Parsed input once complete; while streaming, `inputText` holds the partial JSON. */
  input: z.unknown(),
  inputText: z.string().optional(),
  status: z.enum(['running', 'succeeded', 'failed', 'canceled', 'waiting']),
});
export const ToolResultPart = z.object({ type: z.literal('tool_result'), toolCallId: z.string(), output: z.unknown(), isError: z.boolean() });
export const FinishPart = z.object({ type: z.literal('finish'), reason: z.string() });
export const DraftPart = z.object({
  type: z.literal('draft'),
  definition: z.unknown(),
  trigger: z.unknown().optional(),
  provider: z.string().optional(),
  unhandled: z.array(z.string()).optional(),
});

/**
 * A name in an answer that opens what it names: a workflow, a run (at a step), or the approvals
 * inbox. The client builds the address; `text` is what reads in the sentence.
 */
export const LinkPart = z.object({
  type: z.literal('link'),
  text: z.string(),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('workflow'), id: z.string() }),
    z.object({ kind: z.literal('execution'), id: z.string(), stepId: z.string().optional() }),
    z.object({ kind: z.literal('approvals') }),
  ]),
});
export type LinkPart = z.infer<typeof LinkPart>;

/** A fix of a failed run (`/fix`): the card reads `GET /api/fixes/:id` and follows `fix.updated`. */
export const FixPart = z.object({ type: z.literal('fix'), fixId: z.string() });
export type FixPart = z.infer<typeof FixPart>;

export const MessagePart = z.discriminatedUnion('type', [TextPart, ToolCallPart, ToolResultPart, FinishPart, DraftPart, LinkPart, FixPart]);
export type MessagePart = z.infer<typeof MessagePart>;

export const MessageRole = z.enum(['user', 'assistant', 'system']);
export const MessageStatus = z.enum(['streaming', 'complete', 'canceled', 'error']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** `each[2]`, nested loops joined with `/`: `outer[1]/inner[0]`. */
const ITERATION = `${STEP_ID_SOURCE}\\[\\d{1,6}\\]`;
export const IterationPath = z.string().regex(new RegExp(`^${ITERATION}(?:/${ITERATION})*$`), 'must look like loopId[index] (nested: a[0]/b[1])');

export const BackPointers = z.object({
  executionId: z.string().min(1).max(100),
  stepId: z.string().regex(STEP_ID_PATTERN).optional(),
  iterationPath: IterationPath.optional(),
  attempt: z.number().int().min(1).optional(),
});
export type BackPointers = z.infer<typeof BackPointers>;

export const Message = z.object({
  id: z.string(),
  sessionId: z.string(),
  role: MessageRole,
  parts: z.array(MessagePart),
  status: MessageStatus,
  /** Last delta applied; a client ignores any delta at or below it. */
  deltaSeq: z.number().int().min(0),
  createdAt: z.string(),
  executionId: z.string().optional(),
  stepId: z.string().optional(),
  iterationPath: z.string().optional(),
  attempt: z.number().int().optional(),
  /** Free-form attribution (provider, model, usage) for display. */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type Message = z.infer<typeof Message>;

/** One streamed change. `partIndex` addresses the part it changes (or creates at the end). */
export const DeltaOp = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('append_text'), text: z.string() }),
  z.object({ kind: z.literal('append_tool_input'), json: z.string() }),
  z.object({ kind: z.literal('set_part'), part: MessagePart }),
]);
export type DeltaOp = z.infer<typeof DeltaOp>;

export const MessageDelta = z.object({
  messageId: z.string(),
  deltaSeq: z.number().int().min(1),
  partIndex: z.number().int().min(0).max(10_000),
  op: DeltaOp,
});
export type MessageDelta = z.infer<typeof MessageDelta>;

export class DeltaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeltaError';
  }
}

/**
 * Applies one delta; a delta at or below the message's deltaSeq is a duplicate and changes nothing.
 * Pure, so the server's stored state and every client's view follow the very same rules.
 */
export function applyMessageDelta(message: Message, delta: MessageDelta): { message: Message; applied: boolean } {
  if (delta.deltaSeq <= message.deltaSeq) return { message, applied: false };
  const parts = message.parts.slice();
  const { partIndex, op } = delta;
  if (partIndex > parts.length) throw new DeltaError(`part ${partIndex} is past the end (${parts.length} parts)`);
  switch (op.kind) {
    case 'append_text': {
      const part = parts[partIndex];
      if (part === undefined) parts.push({ type: 'text', text: op.text });
      else if (part.type === 'text') parts[partIndex] = { ...part, text: part.text + op.text };
      else throw new DeltaError(`part ${partIndex} is ${part.type}, not text`);
      break;
    }
    case 'append_tool_input': {
      const part = parts[partIndex];
      if (part?.type !== 'tool_call') throw new DeltaError(`part ${partIndex} is not a tool_call`);
      parts[partIndex] = { ...part, inputText: (part.inputText ?? '') + op.json };
      break;
    }
    case 'set_part':
      parts[partIndex] = op.part;
      break;
    default: {
      const never: never = op;
      throw new DeltaError(`unknown delta ${JSON.stringify(never)}`);
    }
  }
  return { message: { ...message, parts, deltaSeq: delta.deltaSeq }, applied: true };
}

/** The plain text of a message: what a person reads (a link reads as its text). */
export function messageText(message: Pick<Message, 'parts'>): string {
  return message.parts.map((p) => (p.type === 'text' || p.type === 'link' ? p.text : '')).join('');
}
