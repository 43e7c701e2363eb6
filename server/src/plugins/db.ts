import fp from 'fastify-plugin';
import { startCheckpointer, type Checkpointer } from '../db/checkpointer';
import { type Db, openDatabase } from '../db/open';
import { openPostgres } from '../db/postgres/open';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** WAL checkpoints off the event loop (see checkpointer.ts); the journal reports each COMMIT to it. */
    checkpointer: Checkpointer;
  }
}

/** PostgreSQL has no WAL file of ours to checkpoint: the server leaves that to PostgreSQL. */
const noCheckpointer: Checkpointer = {
  afterCommit() {},
  get walFrames() {
    return 0;
  },
  get inBackground() {
    return false;
  },
  stop: async () => {},
};

export default fp(
  async (app) => {
    const { databaseUrl, databaseStatementTimeoutMs } = app.config;
    if (databaseUrl) {
      const db = openPostgres(databaseUrl, { timeoutMs: databaseStatementTimeoutMs });
      app.decorate<Db>('db', db);
      app.decorate('checkpointer', noCheckpointer);
      app.addHook('onClose', async () => {
        try {
          // A transaction the journal did not close (its close() commits its own batch first): a
          // group-commit batch's events are written only by its own commit, and nothing of it was
          // acknowledged, so it is rolled back rather than committed without its events.
          if (db.inTransaction) db.exec('ROLLBACK');
        } finally {
          db.close();
        }
      });
      return;
    }
    const db = openDatabase({ dataDir: app.config.dataDir, synchronous: app.config.synchronous });
    app.decorate<Db>('db', db);
    app.decorate('checkpointer', startCheckpointer({ db, synchronous: app.config.synchronous, log: app.log }));
    app.addHook('onClose', async () => {
      await app.checkpointer.stop();
      // Checkpoint so the main file is complete and the -wal file can be dropped on a clean stop.
      try {
        // Rolled back, not committed: as on PostgreSQL above.
        if (db.inTransaction) db.exec('ROLLBACK');
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    });
  },
  { name: 'weft-db', dependencies: ['weft-config'] },
);
