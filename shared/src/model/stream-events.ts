/**
 * The subset of the Messages API stream events Weft reads. Declared structurally so `shared` does
 * not depend on the SDK; the SDK's events satisfy these shapes.
 */
export type StreamEvent =
  | { type: 'message_start'; message: { id?: string; model?: string; usage?: { input_tokens?: number; output_tokens?: number } } }
  | { type: 'content_block_start'; index: number; content_block: { type: string; text?: string; id?: string; name?: string; input?: unknown } }
  | { type: 'content_block_delta'; index: number; delta: { type: string; text?: string; partial_json?: string } }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: string | null }; usage?: { output_tokens?: number; input_tokens?: number | null } }
  | { type: 'message_stop' }
  | { type: string; [k: string]: unknown };

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: string; [k: string]: unknown };

export type Usage = { inputTokens: number; outputTokens: number };

/** What a caller sees while a turn streams: text, tool calls as they start and fill in. */
export type TurnEvent =
  | { kind: 'text'; blockIndex: number; text: string }
  | { kind: 'tool_start'; blockIndex: number; id: string; name: string }
  | { kind: 'tool_input'; blockIndex: number; json: string }
  | { kind: 'block_stop'; blockIndex: number };
