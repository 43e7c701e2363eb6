import type { FastifyPluginAsync } from 'fastify';

/** `GET /api/retention` (scope `admin`): the settings, the last run's counts, totals and the file's pages. */
const retentionRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/retention', async () => app.retention.report());
};

export default retentionRoutes;
