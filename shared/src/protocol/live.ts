import { z } from 'zod';
import { JournalEventEnvelope } from './events';

/**
 * Browser socket `/ws`. Requests may carry an `id` that the reply echoes; a frame that cannot be
 * parsed is answered with `id: null`. The socket stays usable after any error frame.
 */
export const LIVE_PROTOCOL_VERSION = 1;

const RequestId = z.union([z.string().max(100), z.number()]).optional();

export const LiveClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), id: RequestId, topic: z.string().min(1).max(200), after: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('unsubscribe'), id: RequestId, topic: z.string().min(1).max(200) }),
  z.object({ type: z.literal('ping'), id: RequestId }),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

export const LiveServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number() }),
  z.object({ type: z.literal('subscribed'), id: RequestId, topic: z.string(), lastSeq: z.number().int() }),
  z.object({ type: z.literal('unsubscribed'), id: RequestId, topic: z.string() }),
  z.object({ type: z.literal('event'), event: JournalEventEnvelope }),
  z.object({ type: z.literal('pong'), id: RequestId }),
  z.object({
    type: z.literal('error'),
    id: z.union([z.string(), z.number(), z.null()]).optional(),
    topic: z.string().optional(),
    code: z.string(),
    message: z.string(),
    /** `topic_pruned`: the topic's head; reload the REST state, then subscribe with `after` = this. */
    lastSeq: z.number().int().optional(),
  }),
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;

/** Close codes the server uses; a client reconnects and resubscribes with `after` on all of them. */
export const LIVE_CLOSE = {
  slowConsumer: 4008,
  heartbeatTimeout: 4009,
  /**
   * The credential the socket opened with has ended (sign-out, revoked session, deleted token) or
   * its person changed (disabled, role changed): reconnecting authenticates again, and a credential
   * that no longer works is refused at the upgrade (401).
   */
  credentialChanged: 4401,
  shuttingDown: 1001,
} as const;
