import type { Principal } from '../auth/principal';
import { memoBounded } from '../bounded-map';
import type { ChatOwners } from './chat-owners';
import { canReadChat } from './session-access';

/**
 * How many chats one viewer remembers the answer for. A socket lives for hours and may see runs of
 * many chats; past this it forgets the oldest answers (asking again costs one indexed read).
 */
export const REMEMBERED_CHATS = 256;

/** Anything that names the chat it came from (a run, a fix, a proposal, a tool approval). */
type NamesChat = { sessionId?: string | null | undefined };

/** What one viewer may learn about chats, asked once per chat id (see `createChatVisibility`). */
export type ChatViewer = {
  /** Whether the viewer may learn that this chat exists. */
  mayShow(sessionId: string): boolean;
  /** `x` as the viewer may see it: the same object, or a copy whose `sessionId` is null. */
  redact<T extends NamesChat>(x: T): T;
};

/**
 * The rule of `canReadChat` for every answer that names a chat in passing: a run's `sessionId`,
 * a fix's, a proposal's, a tool approval's. A chat is its person's and an admin's to see; anyone
 * else gets `sessionId: null`, as for a run started outside any chat, so nobody learns that
 * another person's chat exists. A chat that no longer exists is shown to nobody.
 */
export function createChatVisibility(chats: ChatOwners) {
  return {
    /**
     * The viewer a request or a socket acts for. Its answers are remembered (at most
     * `REMEMBERED_CHATS`): a chat's person never changes, and a chat deleted since was shown only
     * to those who could read it.
     */
    viewer(principal: Principal | null): ChatViewer {
      const person = principal?.type === 'user' ? principal : null;
      const mayShow = memoBounded(REMEMBERED_CHATS, (sessionId: string): boolean => {
        const owner = person === null ? null : chats.ownerOf(sessionId);
        return owner !== null && person !== null && canReadChat(person, owner);
      });
      return {
        mayShow,
        redact: <T extends NamesChat>(x: T): T => (typeof x.sessionId !== 'string' || mayShow(x.sessionId) ? x : { ...x, sessionId: null }),
      };
    },
  };
}

export type ChatVisibility = ReturnType<typeof createChatVisibility>;
