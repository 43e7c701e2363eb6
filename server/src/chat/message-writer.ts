import type { MessagePart } from '@weft/shared';
import type { SessionsService } from '../sessions/sessions-service';

/** Streams parts into one chat message with consecutive delta sequence numbers. */
export function createMessageWriter(sessions: SessionsService, messageId: string) {
  let seq = 0;
  const parts: MessagePart[] = [];
  const apply = (partIndex: number, op: Parameters<SessionsService['appendDelta']>[0]['op']) => {
    sessions.appendDelta({ messageId, deltaSeq: ++seq, partIndex, op });
  };
  return {
    get length() {
      return parts.length;
    },
    /** Appends text, to the last part when it is text, else as a new text part. */
    appendText(text: string, partIndex?: number) {
      if (!text) return;
      const index = partIndex ?? (parts.at(-1)?.type === 'text' ? parts.length - 1 : parts.length);
      const part = parts[index];
      parts[index] = part?.type === 'text' ? { ...part, text: part.text + text } : { type: 'text', text };
      apply(index, { kind: 'append_text', text });
      return index;
    },
    setPart(index: number, part: MessagePart) {
      parts[index] = part;
      apply(index, { kind: 'set_part', part });
    },
    addPart(part: MessagePart): number {
      const index = parts.length;
      this.setPart(index, part);
      return index;
    },
    appendToolInput(index: number, json: string) {
      const part = parts[index];
      if (part?.type !== 'tool_call') return;
      parts[index] = { ...part, inputText: (part.inputText ?? '') + json };
      apply(index, { kind: 'append_tool_input', json });
    },
    part: (index: number) => parts[index],
  };
}
