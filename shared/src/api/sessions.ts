import { z } from 'zod';
import { Message } from '../chat/message';

export const CreateSessionRequest = z.object({ title: z.string().trim().min(1).max(200).optional() }).default({});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

/** `PATCH /api/sessions/:id`: a new title. */
export const RenameSessionRequest = z.object({ title: z.string().trim().min(1).max(200) }).strict();
export type RenameSessionRequest = z.infer<typeof RenameSessionRequest>;

/** `session.deleted` on the `sessions` topic. `ownerId`: the chat's person (left out before it was recorded: the owner's). */
export const SessionDeleted = z.object({ id: z.string(), ownerId: z.string().optional() });
export type SessionDeleted = z.infer<typeof SessionDeleted>;

export const Session = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  runningExecutions: z.number().int(),
  /** The person whose chat this is (chats from before people existed belong to the owner). */
  ownerId: z.string().optional(),
  ownerName: z.string().optional(),
});
export type Session = z.infer<typeof Session>;

export const SessionListResponse = z.object({ sessions: z.array(Session) });

export const MessagesQuery = z.object({
  before: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const MessagesPage = z.object({
  /** Oldest first within the page. */
  messages: z.array(Message),
  /** Pass as `before` to read the next older page; null at the start of the session. */
  nextBefore: z.string().nullable(),
  /** The session topic's journal seq this page is consistent with: subscribe with `after` = this. */
  lastSeq: z.number().int(),
});
export type MessagesPage = z.infer<typeof MessagesPage>;
