import fp from 'fastify-plugin';
import { createStorageHealth, type StorageHealth } from '../db/storage-health';

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether writes commit (disk full, I/O errors); `/api/ready` reports it. */
    storage: StorageHealth;
  }
}

export default fp(
  async (app) => {
    const { clock } = app;
    app.decorate('storage', createStorageHealth({ db: app.db, now: () => clock.now(), log: app.log }));
  },
  { name: 'weft-storage', dependencies: ['weft-db', 'weft-clock'] },
);
