import type { Db } from '../db/open';
import { OWNER_ID } from './session-access';

/**
 * Whose a chat is, by id: the one lookup the topics, approvals and chat routes share, so a
 * chat's person is decided the same way everywhere. Null: no such chat.
 */
export function createChatOwners(db: Db) {
  const owner = db.prepare<[string], { owner_id: string | null }>('SELECT owner_id FROM sessions WHERE id = ?');
  return {
    ownerOf(sessionId: string): string | null {
      const row = owner.get(sessionId);
      // Chats from before people existed have no owner recorded: they are the owner's.
      return row === undefined ? null : (row.owner_id ?? OWNER_ID);
    },
  };
}

export type ChatOwners = ReturnType<typeof createChatOwners>;
