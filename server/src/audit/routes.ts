import { AuditCsvQuery, AuditQuery } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { parseRequest } from '../http/parse';
import { createAuditQuery } from './audit-query';
import { auditCsv } from './csv';

/** `/api/audit` and its CSV export (scope `admin`). Read-only: no route changes or deletes an entry. */
const auditRoutes: FastifyPluginAsync = async (app) => {
  const query = createAuditQuery(app.db);

  app.get('/api/audit', async (request) => query.list(parseRequest(AuditQuery, request.query, 'query')));

  app.get('/api/audit.csv', async (request, reply) => {
    const { entries } = query.list(parseRequest(AuditCsvQuery, request.query, 'query'));
    const stamp = app.clock.now().toISOString().slice(0, 10);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="weft-audit-${stamp}.csv"`).send(auditCsv(entries));
  });
};

export default auditRoutes;
