import fp from 'fastify-plugin';
import { storageUnavailable } from '../http/errors';
import { createJournal, type Journal } from '../journal/journal';
import { createTopicAccess, type TopicAccess } from '../journal/topics';
import { createChatOwners } from '../sessions/chat-owners';
import { createChatVisibility, type ChatVisibility } from '../sessions/chat-visibility';

declare module 'fastify' {
  interface FastifyInstance {
    journal: Journal;
    /** Who may read which topic (`/api/events`, the browser socket). */
    topics: TopicAccess;
    /** Whether a viewer may see that a chat exists: every answer naming a run's chat asks it. */
    chatVisibility: ChatVisibility;
  }
  interface FastifyRequest {
    /**
     * Set by a route that knows which writes its reply reports (`journal.durable()` taken right
     * after them): the reply waits for those alone instead of for everything written so far.
     */
    durableWrites: Promise<void> | null;
  }
}

/** The journal, and the rule that no HTTP reply acknowledges a write before it is durable. */
export default fp(
  async (app) => {
    const { db, clock, storage, log } = app;
    const journal = createJournal({
      db,
      clock,
      onListenerError: (err) => log.error({ err }, 'event listener failed'),
      // Rolled back (or not synced) and its waiters rejected; the journal believes none of it committed.
      onCommitError: (err) => {
        storage.failed(err);
        log.error({ err }, 'journal write failed; callers were told and runners resend');
      },
      onCommitted: () => {
        storage.ok();
        app.checkpointer.afterCommit();
      },
      // PostgreSQL aborted a logical transaction for another server's (a deadlock): it runs again.
      onRerun: (err, runs) => log.info({ code: (err as { code?: unknown }).code, runs }, 'journal transaction conflicted; running it again'),
      timings: { commit: (s) => app.metrics.journalCommit.observe(s), fsync: (s) => app.metrics.journalFsync.observe(s) },
    });
    app.decorate('journal', journal);
    app.decorate('topics', createTopicAccess({ db }));
    app.decorate('chatVisibility', createChatVisibility(createChatOwners(db)));
    // Nothing is acknowledged over HTTP before it is committed (group commit may still hold it).
    app.decorateRequest('durableWrites', null);
    app.addHook('onSend', async (request, reply, payload) => {
      try {
        await (request.durableWrites ?? journal.durable());
        return payload;
      } catch (err) {
        // Thrown here it would bypass the error handler (the reply is already being sent): answer
        // in the app's shape ourselves. The write was rolled back, or its sync failed.
        request.log.error({ err, method: request.method, url: request.url }, 'reply not sent: its write is not durable');
        const e = storageUnavailable(err);
        reply.code(e.statusCode).type('application/json; charset=utf-8');
        reply.removeHeader('content-length');
        return JSON.stringify({ error: { code: e.code, message: e.message } });
      }
    });
    // Closed by the lifecycle plugin, after everything that still writes (plugins/lifecycle.ts).
  },
  { name: 'weft-journal', dependencies: ['weft-db', 'weft-clock', 'weft-storage', 'weft-metrics'] },
);
