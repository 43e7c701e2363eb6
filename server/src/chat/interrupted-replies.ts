import { AppError } from '../http/errors';
import type { ServerLiveness } from '../cluster/server-liveness';
import type { SessionsService } from '../sessions/sessions-service';

/** The `finish` part's reason of a reply whose server stopped (killed, crashed, lost power) while writing it. */
export const INTERRUPTED = 'interrupted';

/**
 * Finishes the assistant's replies whose server is gone. A reply streams in the memory of the
 * process that started it (assistant.ts), which records itself on the row (`streamed_by`): if
 * that process dies, nothing else would ever end the reply, the chat would show it unfinished and
 * refuse its deletion (409 `session_busy`). Such a reply ends as a stop does (`message.completed`,
 * status `canceled`, running tool calls `canceled`), with the reason `interrupted` and the text
 * stored until then.
 *
 * On one server (SQLite), every reply still streaming at start is its previous process's: no turn
 * survives a restart. With several servers, only those of servers that are gone
 * (cluster/server-liveness.ts), at start and every few seconds after (engine/cluster-wakeups.ts);
 * never one a live server writes. A run's messages are not here: an agent turn belongs to its
 * execution, whose runner may go on streaming it through any server after a restart; the
 * execution's ending or its lease's reclaim finishes it (sessions' `abandonStreaming`).
 */
export function createInterruptedReplies({
  sessions,
  liveness,
  shared,
  writingHere,
  log,
}: {
  sessions: SessionsService;
  liveness: ServerLiveness;
  /** Several servers share the database (else every reply found streaming is a previous process's). */
  shared: boolean;
  /** Whether this process writes the reply (never interrupted, whatever its row says). */
  writingHere: (messageId: string) => boolean;
  log: { error(obj: object, msg: string): void };
}) {
  return {
    /** Finishes the replies of gone servers as interrupted; how many it finished. */
    finishOrphaned(): number {
      let finished = 0;
      for (const { id, streamedBy } of sessions.streamingRepliesAnywhere()) {
        if (writingHere(id) || (shared && !liveness.isGone(streamedBy))) continue;
        try {
          sessions.completeMessage({ messageId: id, status: 'canceled', finishReason: INTERRUPTED });
          finished++;
        } catch (err) {
          // Finished meanwhile by its writer or another server's sweep, or its chat was deleted.
          if (err instanceof AppError && (err.code === 'message_finalized' || err.statusCode === 404)) continue;
          log.error({ err, messageId: id }, 'finishing an interrupted reply failed');
        }
      }
      return finished;
    },
  };
}

export type InterruptedReplies = ReturnType<typeof createInterruptedReplies>;
