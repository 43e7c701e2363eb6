import { createMessageBuilder, type MessageBuilder } from '@weft/shared';
import type { SessionsService } from '../sessions/sessions-service';

/** Streams parts into one stored chat message: every change is a session delta, numbered in order. */
export function createMessageWriter(sessions: SessionsService, messageId: string): MessageBuilder {
  return createMessageBuilder({ onDelta: ({ deltaSeq, partIndex, op }) => sessions.appendDelta({ messageId, deltaSeq, partIndex, op }) });
}
