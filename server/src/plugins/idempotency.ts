import fp from 'fastify-plugin';
import { createIdempotency, type Idempotency } from '../http/idempotency';

declare module 'fastify' {
  interface FastifyInstance {
    /** `Idempotency-Key` on the POSTs that create something: `app.idempotency.send(request, reply, status, write)`. */
    idempotency: Idempotency;
  }
}

export default fp(
  async (app) => {
    app.decorate('idempotency', createIdempotency({ db: app.db, journal: app.journal, clock: app.clock }));
  },
  { name: 'weft-idempotency', dependencies: ['weft-db', 'weft-clock', 'weft-journal'] },
);
