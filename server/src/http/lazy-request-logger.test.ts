import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from './lazy-request-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('lazyRequestLogger', () => {
  it('logs with the request id when a request logs, and makes no child for a request that does not', async () => {
    const { lines, stream } = capture();
    const app = Fastify({ logger: { level: 'info', stream }, logController: new LogController({ disableRequestLogging: true }) });
    app.setChildLoggerFactory(lazyRequestLogger);
    app.get('/quiet', async () => 'ok');
    app.get('/loud', async (request) => {
      request.log.warn({ detail: 1 }, 'something to say');
      request.log.info('and more');
      return 'ok';
    });
    app.get('/fails', async () => {
      throw new Error('boom');
    });
    // As the app's error handler does (http/errors.ts): a failure is logged on the request's logger.
    app.setErrorHandler((err, request, reply) => {
      request.log.error({ err }, 'request failed');
      void reply.code(500).send({ error: { code: 'internal' } });
    });
    await app.ready();
    // Counted from here: starting up may make children of its own.
    let children = 0;
    const child = app.log.child.bind(app.log);
    app.log.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof app.log.child;

    expect((await app.inject('/quiet')).statusCode).toBe(200);
    expect(children).toBe(0);

    const loud = await app.inject('/loud');
    expect(loud.statusCode).toBe(200);
    expect(children).toBe(1); // one child for the request, however often it logs
    const said = lines.filter((l) => l.msg === 'something to say' || l.msg === 'and more');
    expect(said).toHaveLength(2);
    expect(said[0]).toMatchObject({ level: 40, detail: 1, reqId: expect.any(String) });
    expect(said[1]!.reqId).toBe(said[0]!.reqId);

    expect((await app.inject('/fails')).statusCode).toBe(500);
    expect(lines.find((l) => (l.err as { message?: string } | undefined)?.message === 'boom')).toMatchObject({ level: 50, reqId: expect.any(String) });
    await app.close();
  });

  it('reports the level it would log at, and takes a new one', async () => {
    const app = Fastify({ logger: { level: 'warn' } });
    app.setChildLoggerFactory(lazyRequestLogger);
    let seen: string[] = [];
    app.get('/', async (request) => {
      seen = [request.log.level];
      request.log.level = 'debug';
      seen.push(request.log.level);
      return 'ok';
    });
    await app.inject('/');
    expect(seen).toEqual(['warn', 'debug']);
    expect(app.log.level).toBe('warn');
    await app.close();
  });
});
