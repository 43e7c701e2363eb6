import fp from 'fastify-plugin';
import { asSqlite } from '../db/open';
import { storeKind } from '../db/store';
import { createRetention, type Retention } from './retention-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Pruning of finished executions and journal compaction (WEFT_RETENTION_*). */
    retention: Retention;
  }
}

/**
 * Retention runs shortly after start, then every WEFT_RETENTION_INTERVAL_MS. Registered after the
 * lifecycle plugin, so its onClose (Fastify runs them in reverse) stops it before the journal and
 * the database close.
 */
export default fp(
  async (app) => {
    const retention = createRetention({ db: app.db, journal: app.journal, clock: app.clock, settings: app.config.retention, log: app.log });
    app.decorate('retention', retention);
    app.addHook('onReady', async () => {
      if (storeKind(app.db) === 'sqlite' && asSqlite(app.db, 'auto_vacuum').pragma('auto_vacuum', { simple: true }) !== 2) {
        app.log.warn(
          { file: app.db.name },
          'the database file keeps the pages retention frees (auto_vacuum is off: the database was too large to convert at start); it still stops growing. To let it shrink, stop Weft and run: sqlite3 <file> "PRAGMA auto_vacuum=INCREMENTAL; VACUUM;"',
        );
      }
      retention.start();
    });
    app.addHook('onClose', async () => {
      await retention.stop();
    });
  },
  { name: 'weft-retention', dependencies: ['weft-config', 'weft-db', 'weft-clock', 'weft-journal'] },
);
