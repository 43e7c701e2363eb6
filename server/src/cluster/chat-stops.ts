import { z } from 'zod';
import { defineNotice } from './notices';

/** Stop the replies the assistant is writing in `sessionId` (a chat being deleted on another server). */
export const ChatStop = z.object({ type: z.literal('stop'), sessionId: z.string().min(1).max(100) });
export type ChatStop = z.infer<typeof ChatStop>;

/** `weft_chat`: sent to every server (this one included); the one writing the replies stops them. */
export const chatStops = defineNotice('weft_chat', ChatStop);
