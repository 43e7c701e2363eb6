import type { ContentBlock, StreamEvent, TurnEvent, Usage } from './stream-events';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; json: string; input?: unknown } | { type: 'other' };

/**
 * Folds one streamed turn into its final content, usage and stop reason, emitting TurnEvents as
 * it goes. Pure, so the server (drafting, chat) and the runner (agent steps) assemble turns alike.
 */
export function createTurnAssembler(onEvent: (e: TurnEvent) => void = () => {}) {
  const blocks: Block[] = [];
  let model: string | undefined;
  let stopReason: string | null = null;
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let applied = 0;

  return {
    /** Returns false for an event that changed nothing (unknown or repeated). */
    feed(event: StreamEvent): boolean {
      applied++;
      switch (event.type) {
        case 'message_start': {
          const e = event as Extract<StreamEvent, { type: 'message_start' }>;
          model = e.message.model ?? model;
          usage.inputTokens = e.message.usage?.input_tokens ?? usage.inputTokens;
          usage.outputTokens = e.message.usage?.output_tokens ?? usage.outputTokens;
          return true;
        }
        case 'content_block_start': {
          const e = event as Extract<StreamEvent, { type: 'content_block_start' }>;
          if (blocks[e.index] !== undefined) return false;
          const cb = e.content_block;
          if (cb.type === 'text') {
            blocks[e.index] = { type: 'text', text: cb.text ?? '' };
            if (cb.text) onEvent({ kind: 'text', blockIndex: e.index, text: cb.text });
          } else if (cb.type === 'tool_use') {
            const id = cb.id ?? fallbackToolId(e.index);
            blocks[e.index] = { type: 'tool_use', id, name: cb.name ?? 'unknown', json: '' };
            onEvent({ kind: 'tool_start', blockIndex: e.index, id, name: cb.name ?? 'unknown' });
          } else {
            blocks[e.index] = { type: 'other' };
          }
          return true;
        }
        case 'content_block_delta': {
          const e = event as Extract<StreamEvent, { type: 'content_block_delta' }>;
          const block = blocks[e.index];
          if (!block) return false;
          if (e.delta.type === 'text_delta' && block.type === 'text' && e.delta.text) {
            block.text += e.delta.text;
            onEvent({ kind: 'text', blockIndex: e.index, text: e.delta.text });
            return true;
          }
          if (e.delta.type === 'input_json_delta' && block.type === 'tool_use' && e.delta.partial_json !== undefined) {
            block.json += e.delta.partial_json;
            onEvent({ kind: 'tool_input', blockIndex: e.index, json: e.delta.partial_json });
            return true;
          }
          return false;
        }
        case 'content_block_stop': {
          const e = event as Extract<StreamEvent, { type: 'content_block_stop' }>;
          const block = blocks[e.index];
          if (block?.type === 'tool_use' && block.input === undefined) {
            try {
              block.input = block.json.trim() === '' ? {} : (JSON.parse(block.json) as unknown);
            } catch {
              block.input = { _unparsed: block.json };
            }
          }
          onEvent({ kind: 'block_stop', blockIndex: e.index });
          return true;
        }
        case 'message_delta': {
          const e = event as Extract<StreamEvent, { type: 'message_delta' }>;
          stopReason = e.delta.stop_reason ?? stopReason;
          if (e.usage?.output_tokens !== undefined) usage.outputTokens = e.usage.output_tokens;
          if (typeof e.usage?.input_tokens === 'number') usage.inputTokens = e.usage.input_tokens;
          return true;
        }
        default:
          return false;
      }
    },
    result(): { content: ContentBlock[]; text: string; usage: Usage; model: string | undefined; stopReason: string | null; events: number } {
      const content: ContentBlock[] = [];
      for (const b of blocks) {
        if (!b) continue;
        if (b.type === 'text') content.push({ type: 'text', text: b.text });
        else if (b.type === 'tool_use') content.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input ?? (b.json ? safeParse(b.json) : {}) });
      }
      const text = content.map((c) => (c.type === 'text' ? (c as { text: string }).text : '')).join('');
      return { content, text, usage: { ...usage }, model, stopReason, events: applied };
    },
  };
}

/**
 * An id for a call the provider sent without one. Unique per turn, not positional: an agent step's ask
 * key is built from it, so `tool_0` in two turns must not name the same call. The id is stored with
 * the assistant's message in the checkpoint, so a resumed step keeps it (and re-attaches to its ask).
 */
function fallbackToolId(index: number): string {
  // Web Crypto is global in Node 20 and browsers; shared/ compiles without DOM or Node types.
  const { crypto } = globalThis as unknown as { crypto: { randomUUID(): string } };
  return `toolu_weft_${crypto.randomUUID().replace(/-/g, '')}_${index}`;
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return { _unparsed: json };
  }
}
