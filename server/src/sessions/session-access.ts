import type { UserPrincipal } from '../auth/principal';
import { AppError, notFound } from '../http/errors';

/** Chats from before people existed have no owner recorded: they are the owner's. */
export const OWNER_ID = 'owner';

export const ownerOf = (row: { owner_id: string | null }): string => row.owner_id ?? OWNER_ID;

/**
 * A chat is its person's. An admin (the `admin` scope) may read anyone's, read-only; anyone else
 * does not learn another person's chat exists (404, as for a missing one).
 */
export function canReadChat(person: Pick<UserPrincipal, 'id' | 'scopes'>, ownerId: string): boolean {
  return person.id === ownerId || person.scopes.includes('admin');
}

/** 404 unless the person may read the chat (see `canReadChat`). */
export function assertChatReadable(person: Pick<UserPrincipal, 'id' | 'scopes'>, session: { id: string; ownerId: string }): void {
  if (!canReadChat(person, session.ownerId)) throw notFound(`session ${session.id}`);
}

/** 404 as for reading; 403 `not_your_chat` for an admin writing in (renaming, deleting) someone else's chat. */
export function assertChatWritable(person: Pick<UserPrincipal, 'id' | 'scopes'>, session: { id: string; ownerId: string }): void {
  assertChatReadable(person, session);
  if (person.id !== session.ownerId) {
    throw new AppError(403, 'not_your_chat', `session ${session.id} is another person's chat: you may read it, not write in it`, {
      ownerId: session.ownerId,
    });
  }
}
