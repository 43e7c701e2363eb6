import fp from 'fastify-plugin';
import { createAuditLog, type AuditLog } from './audit-log';

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit trail: `audit.record` inside the change's own transaction. */
    audit: AuditLog;
  }
}

export default fp(
  async (app) => {
    app.decorate('audit', createAuditLog({ db: app.db, clock: app.clock }));
  },
  { name: 'weft-audit', dependencies: ['weft-db', 'weft-clock'] },
);
