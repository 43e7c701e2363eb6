import type { MessagePart } from '../chat/message';
import type { MessageBuilder } from '../chat/message-builder';
import type { AbortSignalLike, ChatMessage, ModelProvider, ToolSpec, TurnResult } from './provider';
import type { ContentBlock, TurnEvent, Usage } from './stream-events';
import { fromModelToolName, toModelToolName } from './tool-names';

/** A tool as the loop offers it to the model, under its Weft name (`workflows:list_workflows`). */
export type LoopTool = { name: string; description: string; inputSchema: Record<string, unknown> };

/** What one tool call came to. `after`: parts shown below its result (the assistant's draft card). */
export type ToolOutcome = { output: unknown; isError: boolean; after?: MessagePart[] };

export type ToolLoopOptions = {
  provider: ModelProvider;
  system?: string | undefined;
  /** The conversation so far; the loop appends to a copy and returns it. */
  messages: ChatMessage[];
  tools?: LoopTool[] | undefined;
  /** Overrides the provider's model for these turns. */
  model?: string | undefined;
  outputSchema?: Record<string, unknown> | undefined;
  maxTurns: number;
  signal: AbortSignalLike;
  /** The message the turns stream into. Asked again after a failover, which may have opened a new one. */
  message: () => MessageBuilder;
  onFailover?: ((info: { failedModel: string; nextModel: string }) => void) | undefined;
  /**
   * Runs one call (Weft tool name). A failure the model should hear about is an outcome with
   * `isError`; a throw ends the loop. `onWaiting` shows the call as waiting for a person,
   * `onRunning` as running again once they decided.
   */
  callTool: (call: { id: string; name: string; input: unknown; onWaiting: () => void; onRunning: () => void }) => Promise<ToolOutcome>;
  /**
   * Told after every model turn and every tool result (awaited; a throw ends the loop), so a caller
   * can checkpoint the conversation or enforce a budget. `openRound` holds the results of the open
   * round so far (the last message is then the assistant turn that called the tools); null once the
   * round's results are in `messages`.
   */
  onProgress?: ((p: ToolLoopProgress) => void | Promise<void>) | undefined;
  /**
   * Resume an interrupted round: `messages` ends with an assistant turn whose tool calls have
   * results only up to these (from an earlier `onProgress`). The rest run before the next turn.
   */
  openRound?: unknown[] | undefined;
};

export type ToolLoopProgress = {
  kind: 'turn' | 'tool_result' | 'round';
  messages: ChatMessage[];
  openRound: unknown[] | null;
  /** This loop's usage so far; `turnUsage` is the last turn's (on `turn` only). */
  usage: Usage;
  turnUsage?: Usage;
  /** The model that answered the last turn. */
  model: string;
};

export type ToolLoopResult = {
  /** The turn that ended the loop, or null when the model still called tools after `maxTurns` turns. */
  final: TurnResult | null;
  messages: ChatMessage[];
  usage: Usage;
  /** Model attempts: every turn, and every failover within one. */
  attempts: number;
  /** The model that answered last. */
  model: string;
};

/** Longer tool results are cut before they go back to the model. */
export const MAX_TOOL_RESULT_CHARS = 50_000;

/**
 * The most a tool result may be, as JSON text (UTF-8 bytes), wherever it is stored, answered or
 * broadcast (a chat message part, the `POST /api/tools/call` answer, a step output). A larger one
 * is replaced by a `TruncatedToolResult`.
 */
export const MAX_TOOL_RESULT_BYTES = 1024 * 1024;

/** How much of a too-large result's JSON text its truncated form keeps. */
export const TRUNCATED_PREVIEW_CHARS = 32_000;

/** What stands for a tool result larger than `MAX_TOOL_RESULT_BYTES`: its size, and the start of its JSON text. */
export type TruncatedToolResult = { truncated: true; bytes: number; preview: string };

/** UTF-8 length of `s`, counting no further than `stopAfter` (the count is exact up to there). */
function utf8Length(s: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let n = 0;
  for (let i = 0; i < s.length && n <= stopAfter; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * `result` when its JSON text is at most `maxBytes`; otherwise `{ truncated: true, bytes, preview }`
 * (`bytes`: the full JSON text's UTF-8 size; `preview`: its first `TRUNCATED_PREVIEW_CHARS` characters).
 */
export function capToolResult(result: unknown, maxBytes = MAX_TOOL_RESULT_BYTES): unknown {
  return cappedToolResult(result, maxBytes).value;
}

/** `capToolResult`, with the JSON of what it answers (written once, for whoever sends it on). */
function cappedToolResult(result: unknown, maxBytes = MAX_TOOL_RESULT_BYTES): { value: unknown; json: string } {
  const value = result ?? null;
  const json = JSON.stringify(value) ?? 'null';
  // Fewer characters than a third of the limit cannot be over it; more characters than the limit must be.
  if (json.length * 3 <= maxBytes) return { value, json };
  if (json.length <= maxBytes && utf8Length(json, maxBytes) <= maxBytes) return { value, json };
  const truncated: TruncatedToolResult = { truncated: true, bytes: utf8Length(json), preview: json.slice(0, TRUNCATED_PREVIEW_CHARS) };
  return { value: truncated, json: JSON.stringify(truncated) };
}

type ToolUse = { type: 'tool_use'; id: string; name: string; input: unknown };
const isToolUse = (block: ContentBlock): block is ToolUse => block.type === 'tool_use';

function throwIfAborted(signal: AbortSignalLike): void {
  if (signal.aborted) throw Object.assign(new Error('the turn was aborted'), { name: 'AbortError' });
}

/**
 * The tool-using loop of the chat assistant and of `agent_prompt` steps: one turn streams into the
 * message (text, tool calls as they start, their input as it fills in), then every tool call runs
 * in order and its result goes back to the model, until a turn calls no tool or `maxTurns` is
 * reached. Pure: the provider, the tools and the message are passed in.
 */
export async function runToolLoop(o: ToolLoopOptions): Promise<ToolLoopResult> {
  const messages = [...o.messages];
  const tools: ToolSpec[] = (o.tools ?? []).map((t) => ({ name: toModelToolName(t.name), description: t.description, input_schema: t.inputSchema }));
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let attempts = 0;
  let model = o.model ?? o.provider.model;

  let blockToPart = new Map<number, number>();
  let toolPart = new Map<string, number>();
  const progress = async (kind: ToolLoopProgress['kind'], openRound: unknown[] | null, turnUsage?: Usage) =>
    o.onProgress?.({
      kind,
      messages: [...messages],
      openRound: openRound ? [...openRound] : null,
      usage: { ...usage },
      ...(turnUsage ? { turnUsage } : {}),
      model,
    });

  /** Runs the calls of the last assistant turn that have no result yet, then appends the results. */
  const runRound = async (uses: ToolUse[], results: unknown[]) => {
    const done = new Set(results.map((r) => (r as { tool_use_id?: string }).tool_use_id));
    for (const use of uses) {
      if (done.has(use.id)) continue;
      const message = o.message();
      const name = fromModelToolName(use.name);
      const index = toolPart.get(use.id) ?? message.addPart({ type: 'tool_call', id: use.id, name, input: use.input, status: 'running' });
      const streamed = message.part(index);
      const inputText = streamed?.type === 'tool_call' ? streamed.inputText : undefined;
      const call = { type: 'tool_call' as const, id: use.id, name, input: use.input, ...(inputText !== undefined ? { inputText } : {}) };
      message.setPart(index, { ...call, status: 'running' });
      const outcome = await o.callTool({
        id: use.id,
        name,
        input: use.input,
        onWaiting: () => message.setPart(index, { ...call, status: 'waiting' }),
        onRunning: () => message.setPart(index, { ...call, status: 'running' }),
      });
      // Stored in the message (and so journaled and broadcast) no larger than any tool result may be.
      const { value: output, json } = cappedToolResult(outcome.output);
      message.setPart(index, { ...call, status: outcome.isError ? 'failed' : 'succeeded' });
      message.addPart({ type: 'tool_result', toolCallId: use.id, output, isError: outcome.isError });
      for (const part of outcome.after ?? []) message.addPart(part);
      results.push({ type: 'tool_result', tool_use_id: use.id, content: json.slice(0, MAX_TOOL_RESULT_CHARS), is_error: outcome.isError });
      await progress('tool_result', results);
    }
    messages.push({ role: 'user', content: results });
    await progress('round', null);
  };

  const last = messages.at(-1);
  if (o.openRound && last?.role === 'assistant' && Array.isArray(last.content)) {
    throwIfAborted(o.signal);
    await runRound((last.content as ContentBlock[]).filter(isToolUse), [...o.openRound]);
  }

  for (let turn = 0; turn < o.maxTurns; turn++) {
    throwIfAborted(o.signal);
    // Stream block index -> message part index, and tool_use id -> its tool_call part.
    blockToPart = new Map<number, number>();
    toolPart = new Map<string, number>();
    const onEvent = (e: TurnEvent) => {
      const message = o.message();
      switch (e.kind) {
        case 'text':
          blockToPart.set(e.blockIndex, message.appendText(e.text, blockToPart.get(e.blockIndex)));
          return;
        case 'tool_start': {
          const index = message.addPart({ type: 'tool_call', id: e.id, name: fromModelToolName(e.name), input: null, status: 'running' });
          blockToPart.set(e.blockIndex, index);
          toolPart.set(e.id, index);
          return;
        }
        case 'tool_input': {
          const index = blockToPart.get(e.blockIndex);
          if (index !== undefined) message.appendToolInput(index, e.json);
          return;
        }
        case 'block_stop':
          return;
        default: {
          const never: never = e;
          return never;
        }
      }
    };
    const result = await o.provider.turn({
      ...(o.system ? { system: o.system } : {}),
      messages,
      ...(tools.length > 0 ? { tools } : {}),
      ...(o.model ? { model: o.model } : {}),
      ...(o.outputSchema ? { outputSchema: o.outputSchema } : {}),
      signal: o.signal,
      onEvent,
      onFailover: ({ failedModel, nextModel }) => {
        attempts++;
        blockToPart.clear();
        toolPart.clear();
        o.onFailover?.({ failedModel, nextModel });
      },
    });
    attempts++;
    model = result.model;
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    const uses = result.content.filter(isToolUse);
    const final = result.stopReason !== 'tool_use' || uses.length === 0;
    if (!final) messages.push({ role: 'assistant', content: result.content as unknown[] });
    await progress('turn', final ? null : [], result.usage);
    if (final) return { final: result, messages, usage, attempts, model };
    await runRound(uses, []);
  }

  return { final: null, messages, usage, attempts, model };
}
