import type { Writable } from 'node:stream';
import { prettyLogText } from '@weft/shared';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import fp from 'fastify-plugin';
import app from './app';
import { lazyRequestLogger } from './http/lazy-request-logger';
import { ConfigError, loadConfig, type Config } from './config';
import { RUNNING_BUILT } from './paths';
import { explainListenFailure, explainOpenFailure } from './startup-failure';
import type { Clock } from './clock';

/** Never log credentials: the token travels in headers, cookies and the login URL's query. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];
const SECRET_QUERY = /([?&](?:token|code|secret|key)=)[^&#]*/gi;

export const redactUrl = (url: string) => url.replace(SECRET_QUERY, '$1[redacted]');

/** pino writes JSON lines; WEFT_LOG_FORMAT=pretty turns each into a readable line on its way out. */
function logDestination(config: Config, logStream: Writable | undefined): { stream?: { write(text: string): void } } {
  if (config.logFormat === 'pretty') {
    const out = logStream ?? process.stdout;
    return { stream: { write: (text: string) => out.write(prettyLogText(text)) } };
  }
  return logStream ? { stream: logStream } : {};
}

export async function buildServer({ config, clock, logStream }: { config: Config; clock?: Clock; logStream?: Writable }): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
      },
      ...logDestination(config, logStream),
    },
    bodyLimit: config.bodyLimit,
    // A line per request only at debug and trace: it is the hot path's noise otherwise.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    // Malformed URLs and similar router errors answer in the app's error format too.
    frameworkErrors: (err, _request, reply) => {
      void (reply as unknown as { code(n: number): { send(b: unknown): void } }).code(400).send({ error: { code: 'bad_request', message: err.message } });
    },
    // On close, drop idle keep-alive sockets at once; in-flight requests still finish.
    forceCloseConnections: 'idle',
  });
  // Each request's child logger (its request id) is made when the request first logs. Before any route: routes keep the factory they were declared with.
  fastify.setChildLoggerFactory(lazyRequestLogger);
  // fp: the app's decorators (config, db, auth, one per capability) live on the root instance tests and main use.
  await fastify.register(fp(app), clock ? { config, clock } : { config });
  return fastify;
}

export async function listen(fastify: FastifyInstance): Promise<string> {
  await fastify.listen({ port: fastify.config.port, host: fastify.config.host });
  return fastify.auth.loginUrl();
}

/** Stops accepting, lets in-flight requests finish (bounded), then closes plugins (database last). */
export function installSignalHandlers(fastify: FastifyInstance, { graceMs = 10_000, onExit }: { graceMs?: number; onExit?: () => void } = {}) {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    fastify.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      fastify.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    fastify
      .close()
      .then(() => {
        onExit?.();
        process.exit(0);
      })
      .catch((err) => {
        fastify.log.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

export async function main({ beforeListen }: { beforeListen?: (fastify: FastifyInstance) => void } = {}): Promise<FastifyInstance> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`weft: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // A start that fails for a reason the operator can fix says so in one sentence and exits 1.
  const fail = (sentence: string | null, err: unknown): never => {
    process.stderr.write(sentence ? `weft: ${sentence}\n` : `weft: could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  let fastify: FastifyInstance;
  try {
    fastify = await buildServer({ config });
  } catch (err) {
    return fail(explainOpenFailure(err, config.dataDir), err);
  }
  beforeListen?.(fastify);
  let url: string;
  try {
    url = await listen(fastify);
  } catch (err) {
    await fastify.close().catch(() => {});
    return fail(explainListenFailure(err, { port: config.port, host: config.host }), err);
  }
  installSignalHandlers(fastify);
  process.stdout.write(`\nWeft is running. Open this URL to sign in:\n\n    ${url}\n\n`);
  return fastify;
}

// Run directly from source (`tsx src/server.ts`). Not in the built runtime, where this module is
// bundled into a chunk under `dist/` and `import.meta.url` is that chunk's.
if (!RUNNING_BUILT && import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
