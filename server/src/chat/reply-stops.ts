import { sessionTopic } from '@weft/shared';
import type { Cluster } from '../cluster/plugin';
import type { Journal } from '../journal/journal';
import type { SessionsService } from '../sessions/sessions-service';
import type { Assistant } from './assistant';

/**
 * How long a chat's delete waits for another server to end the replies it writes there. Past it
 * (that server is gone, or did not hear the stop) the delete is refused as before: 409 `session_busy`.
 */
export const REMOTE_STOP_WAIT_MS = 5_000;

/**
 * Stops the assistant's replies in a chat wherever they are written. A reply streams in the process
 * that started it (`assistant.ts` holds its AbortController); with several servers on one database
 * the chat may be deleted through another one, which asks every server over `weft_chat`
 * (cluster/chat-stops.ts) and waits for the replies' `message.completed` to be committed.
 */
export function createReplyStops({
  assistant,
  sessions,
  journal,
  cluster,
  log,
}: {
  assistant: Assistant;
  sessions: SessionsService;
  journal: Journal;
  cluster: Cluster;
  log: { error(obj: object, msg: string): void };
}) {
  cluster.onChatStop(({ sessionId }) => {
    assistant.cancelSession(sessionId).catch((err: unknown) => log.error({ err, sessionId }, 'stopping a chat’s replies failed'));
  });

  /** Resolves once no reply of the chat is still being written, or after REMOTE_STOP_WAIT_MS. */
  function stoppedElsewhere(sessionId: string): Promise<void> {
    return new Promise((resolve) => {
      let unsubscribe = () => {};
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, REMOTE_STOP_WAIT_MS);
      // Subscribed before the stop goes out, so no completion falls between the two.
      unsubscribe = journal.subscribe(sessionTopic(sessionId), (event) => {
        if (event.type === 'message.completed' && sessions.streamingReplies(sessionId) === 0) done();
      });
      cluster.stopChatOnOtherServers({ type: 'stop', sessionId });
      if (sessions.streamingReplies(sessionId) === 0) done();
    });
  }

  return {
    /** Stops the chat's replies here, then (several servers) on the server writing any that remain. */
    async stopSession(sessionId: string): Promise<void> {
      await assistant.cancelSession(sessionId);
      if (!cluster.shared || sessions.streamingReplies(sessionId) === 0) return;
      await stoppedElsewhere(sessionId);
    },
  };
}

export type ReplyStops = ReturnType<typeof createReplyStops>;
