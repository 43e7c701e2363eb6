import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Weft</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>Weft</h1><p>The web client is not built yet. Run <code>pnpm --filter @weft/client build</code> (or <code>pnpm start</code>, which builds it).</p></body>`;

/** Serves the built client and answers every other GET with index.html so deep links and reloads work. */
const spa: FastifyPluginAsync = async (app) => {
  const dir = app.config.clientDir;
  const index = path.join(dir, 'index.html');
  const built = fs.existsSync(index);
  if (built) {
    await app.register(fastifyStatic, { root: dir, wildcard: true, index: false, maxAge: 0 });
  }
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    const isApi = pathname.startsWith('/api/') || pathname === '/api' || pathname.startsWith('/ws') || pathname.startsWith('/hooks/');
    const wantsAsset = /\.[a-z0-9]+$/i.test(pathname);
    if (request.method !== 'GET' || isApi || wantsAsset) {
      return reply.code(404).send({ error: { code: 'not_found', message: `no route for ${request.method} ${pathname}` } });
    }
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return built ? reply.send(fs.readFileSync(index)) : reply.send(NOT_BUILT);
  });
};

// Root scope: its not-found handler is the app's only one.
export default fp(spa, { name: 'weft-spa', dependencies: ['weft-config'] });
