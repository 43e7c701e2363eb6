import { IdParams, type Session } from '@weft/shared';
import type { FastifyRequest } from 'fastify';
import { type Principal, type UserPrincipal, userOf } from '../auth/principal';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';

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

/**
 * The chat a request names, once the person may read it (404 otherwise) or, for `write`, write in
 * it (403 `not_your_chat` for an admin in someone else's chat). The chat routes use it too.
 */
export function chatFor(app: { sessions: { getSession(id: string): Session } }, request: FastifyRequest, access: 'read' | 'write'): Session {
  const { id } = parseRequest(IdParams, request.params, 'params');
  return chatById(app, request.principal, id, access);
}

/** As `chatFor`, for a chat named anywhere else in a request (a `sessionId` in a query or body). */
export function chatById(app: { sessions: { getSession(id: string): Session } }, principal: Principal | null, id: string, access: 'read' | 'write'): Session {
  const person = userOf(principal, access === 'read' ? 'read a chat' : 'write in a chat');
  const session = app.sessions.getSession(id);
  const owned = { id, ownerId: session.ownerId ?? 'owner' };
  if (access === 'read') assertChatReadable(person, owned);
  else assertChatWritable(person, owned);
  return session;
}
