import type { Message, MessagePart } from '@weft/shared';

/** A finished assistant answer in session `ses_1` (the chat tests' session) with these parts. */
export function assistantMessage(parts: MessagePart[], over: Partial<Pick<Message, 'id' | 'sessionId' | 'createdAt'>> = {}): Message {
  return {
    id: 'msg_a',
    sessionId: 'ses_1',
    role: 'assistant',
    status: 'complete',
    deltaSeq: 0,
    createdAt: new Date(Date.UTC(2025, 4, 1, 9)).toISOString(),
    parts,
    ...over,
  };
}
