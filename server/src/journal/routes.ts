import { EventsQuery } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';
import { eventViewFor } from './topics';

/** The journal over HTTP, for clients that cannot hold a socket: same events, same order. */
const eventsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/events', async (request) => {
    const q = parseRequest(EventsQuery, request.query, 'query');
    app.topics.assertReadable(q.topic, request.principal);
    app.topics.assertReplayable({ topic: q.topic, after: q.after, lastSeq: app.journal.lastSeq(q.topic) });
    const events = app.journal.read(q.topic, q.after, q.limit + 1);
    const hasMore = events.length > q.limit;
    const view = eventViewFor(request.principal, app.chatVisibility.viewer(request.principal), app.toolReaders.viewer(request.principal));
    return { events: events.slice(0, q.limit).map(view), lastSeq: app.journal.lastSeq(q.topic), hasMore };
  });
};

export default eventsRoutes;
