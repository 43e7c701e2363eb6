import type { Db } from '../db/open';

/** The channel a server asks the others to stop the assistant's replies in a chat (the one writing them stops them). */
export const CHAT_CHANNEL = 'weft_chat';

/** Stop the replies the assistant is writing in `sessionId` (a chat being deleted on another server). */
export type ChatStop = { type: 'stop'; sessionId: string };

/** A `weft_chat` payload, or null for anything that is not one. */
export function parseChatStop(payload: string): ChatStop | null {
  let m: unknown;
  try {
    m = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { type, sessionId } = m as Record<string, unknown>;
  if (type !== 'stop' || typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 100) return null;
  return { type, sessionId };
}

/**
 * Sends a stop to every server (this one included): a NOTIFY on the sync connection, so inside an
 * open transaction it goes out with that COMMIT, as a runner's cancel does (runner-wakeups.ts).
 */
export function createChatStops(db: Db) {
  const notify = db.prepare('SELECT pg_notify(?, ?)');
  return {
    send(message: ChatStop): void {
      notify.get(CHAT_CHANNEL, JSON.stringify(message));
    },
  };
}
