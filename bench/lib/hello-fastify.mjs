// The baseline of bench/runtime.bench.ts: the smallest Fastify server answering /api/health, started
// with plain node like the built runtime. Fastify is the server package's dependency: load it from there.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const serverPackage = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/package.json');
const { default: Fastify } = await import(pathToFileURL(createRequire(serverPackage).resolve('fastify')).href);
const app = Fastify();
app.get('/api/health', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
