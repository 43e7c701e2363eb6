import type { DeltaOp, MessagePart } from './message';

/** One change to a streamed message, numbered consecutively so the receiver applies it exactly once. */
export type BuiltDelta = { deltaSeq: number; partIndex: number; op: DeltaOp };

/**
 * Builds one chat message as it streams: keeps its parts and reports every change as a numbered
 * delta. Pure; the server writes the deltas to the session, the runner sends them as agent-message
 * events, and both build parts by the same rules as `applyMessageDelta` reads them.
 */
export function createMessageBuilder({ parts = [], onDelta }: { parts?: MessagePart[]; onDelta: (delta: BuiltDelta) => void }) {
  let seq = 0;
  const current: MessagePart[] = [...parts];
  const emit = (partIndex: number, op: DeltaOp) => onDelta({ deltaSeq: ++seq, partIndex, op });
  return {
    /** The parts so far (read only: change them through the methods). */
    parts: current as readonly MessagePart[],
    part: (index: number): MessagePart | undefined => current[index],
    /**
     * Appends text to part `partIndex`, else to the last part when it is text, else as a new text
     * part; returns the index it wrote to. Empty text changes nothing.
     */
    appendText(text: string, partIndex?: number): number {
      const index = partIndex ?? (current.at(-1)?.type === 'text' ? current.length - 1 : current.length);
      if (!text) return index;
      const part = current[index];
      current[index] = part?.type === 'text' ? { ...part, text: part.text + text } : { type: 'text', text };
      emit(index, { kind: 'append_text', text });
      return index;
    },
    setPart(index: number, part: MessagePart): void {
      current[index] = part;
      emit(index, { kind: 'set_part', part });
    },
    addPart(part: MessagePart): number {
      const index = current.length;
      current[index] = part;
      emit(index, { kind: 'set_part', part });
      return index;
    },
    /** Streams a tool call's input JSON into its `inputText`. */
    appendToolInput(index: number, json: string): void {
      const part = current[index];
      if (part?.type !== 'tool_call') return;
      current[index] = { ...part, inputText: (part.inputText ?? '') + json };
      emit(index, { kind: 'append_tool_input', json });
    },
  };
}

export type MessageBuilder = ReturnType<typeof createMessageBuilder>;
