import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { isPageNavigation } from '../auth/public-routes';
import { errorPage, isBrowserNavigation } from './browser-page';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Weft</title>
<h1>Weft</h1><p>The web client is not built yet. Run <code>pnpm --filter @weft/client build</code> (or <code>pnpm start</code>, which builds it).</p>`;

/**
 * Serves the built client: `/` and every page navigation get index.html (deep links and reloads
 * work), `/assets/*` the hashed bundles, `/favicon.svg` the icon. All public (public-routes.ts):
 * none of it holds data. Anything else unknown is a 404: a readable page for a person's browser,
 * the API's error shape for everything else.
 */
const spa: FastifyPluginAsync = async (app) => {
  const dir = app.config.clientDir;
  const index = path.join(dir, 'index.html');
  const favicon = path.join(dir, 'favicon.svg');
  const built = fs.existsSync(index);
  if (built && fs.existsSync(path.join(dir, 'assets'))) {
    // Vite names every bundle by its content hash: a name never changes meaning.
    await app.register(fastifyStatic, { root: path.join(dir, 'assets'), prefix: '/assets/', wildcard: true, index: false, maxAge: '365d', immutable: true });
  }

  const shell = (reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return built ? reply.send(fs.readFileSync(index)) : reply.send(NOT_BUILT);
  };

  app.get('/', async (_request, reply) => shell(reply));
  app.get('/favicon.svg', async (_request, reply) => {
    if (!fs.existsSync(favicon)) return reply.code(404).send({ error: { code: 'not_found', message: 'no favicon: the client is not built' } });
    return reply.header('cache-control', 'no-cache').type('image/svg+xml').send(fs.readFileSync(favicon));
  });
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    if (isPageNavigation({ method: request.method, path: pathname })) return shell(reply);
    if (isBrowserNavigation(request))
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(errorPage({ status: 404, message: 'not found' }));
    return reply.code(404).send({ error: { code: 'not_found', message: `no route for ${request.method} ${pathname}` } });
  });
};

// Root scope: its not-found handler is the app's only one.
export default fp(spa, { name: 'weft-spa', dependencies: ['weft-config'] });
