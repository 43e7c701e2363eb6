import { createMessageBuilder, type AgentMessageEvent, type MessagePart } from '@weft/shared';

type Emit = (e: AgentMessageEvent) => void;

/**
 * One streamed chat message of an agent step, emitted as keyed events over the runner protocol.
 * Delta sequence numbers are consecutive per message, so the server applies each exactly once.
 */
export function openAgentMessage({
  emit,
  key,
  role,
  meta,
  parts = [],
}: {
  emit: Emit;
  key: string;
  role: 'assistant' | 'user';
  meta?: Record<string, unknown>;
  parts?: MessagePart[];
}) {
  let closed = false;
  emit({ op: 'create', key, role, parts, ...(meta ? { meta } : {}) });
  const builder = createMessageBuilder({ parts, onDelta: ({ deltaSeq, partIndex, op }) => emit({ op: 'delta', key, deltaSeq, partIndex, delta: op }) });
  return {
    ...builder,
    key,
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
