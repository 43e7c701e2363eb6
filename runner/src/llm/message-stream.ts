import type { AgentMessageEvent, DeltaOp, MessagePart } from '@weft/shared';

type Emit = (e: AgentMessageEvent) => void;

/**
 * One streamed chat message of an agent step, emitted as keyed events over the runner protocol.
 * Delta sequence numbers are consecutive per message, so the server applies each exactly once.
 */
export function openAgentMessage({ emit, key, role, meta, parts = [] }: { emit: Emit; key: string; role: 'assistant' | 'user'; meta?: Record<string, unknown>; parts?: MessagePart[] }) {
  let seq = 0;
  const current: MessagePart[] = [...parts];
  let closed = false;
  emit({ op: 'create', key, role, parts, ...(meta ? { meta } : {}) });
  const delta = (partIndex: number, op: DeltaOp) => emit({ op: 'delta', key, deltaSeq: ++seq, partIndex, delta: op });
  return {
    key,
    parts: current,
    appendText(text: string, partIndex?: number): number {
      const index = partIndex ?? (current.at(-1)?.type === 'text' ? current.length - 1 : current.length);
      const part = current[index];
      current[index] = part?.type === 'text' ? { ...part, text: part.text + text } : { type: 'text', text };
      delta(index, { kind: 'append_text', text });
      return index;
    },
    setPart(index: number, part: MessagePart) {
      current[index] = part;
      delta(index, { kind: 'set_part', part });
    },
    addPart(part: MessagePart): number {
      const index = current.length;
      this.setPart(index, part);
      return index;
    },
    appendToolInput(index: number, json: string) {
      const part = current[index];
      if (part?.type !== 'tool_call') return;
      current[index] = { ...part, inputText: (part.inputText ?? '') + json };
      delta(index, { kind: 'append_tool_input', json });
    },
    complete(status: 'complete' | 'canceled' | 'error', extra: { finishReason?: string; meta?: Record<string, unknown> } = {}) {
      if (closed) return;
      closed = true;
      emit({ op: 'complete', key, status, ...(extra.finishReason ? { finishReason: extra.finishReason } : {}), ...(extra.meta ? { meta: extra.meta } : {}) });
    },
    get closed() {
      return closed;
    },
  };
}

export type AgentMessage = ReturnType<typeof openAgentMessage>;
