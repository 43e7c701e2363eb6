import fp from 'fastify-plugin';
import { recordApprovalEntries } from './approval-entries';
import { createAuditLog, type AuditLog } from './audit-log';
import { createAuditRetention, type AuditRetention } from './retention';

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit trail: `audit.record` inside the change's own transaction. */
    audit: AuditLog;
    /** Deletes entries past WEFT_AUDIT_RETENTION_DAYS: at start, then daily from the engine's ticker. */
    auditRetention: AuditRetention;
  }
}

export default fp(
  async (app) => {
    const audit = createAuditLog({ db: app.db, clock: app.clock });
    app.decorate('audit', audit);
    const retention = createAuditRetention({ audit, clock: app.clock, days: app.config.auditRetentionDays });
    app.decorate('auditRetention', retention);
    const unwatch = recordApprovalEntries({ journal: app.journal, audit });
    app.addHook('onReady', async () => {
      retention.pruneDue();
    });
    app.addHook('onClose', async () => {
      unwatch();
    });
  },
  { name: 'weft-audit', dependencies: ['weft-config', 'weft-db', 'weft-clock', 'weft-journal'] },
);
