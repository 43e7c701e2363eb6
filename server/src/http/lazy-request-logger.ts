import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/**
 * A request's logger that becomes pino's child (with the request id) only when the request logs:
 * `child()` costs a few microseconds per request, and with request logging off (the default level)
 * a webhook or API call that succeeds never logs.
 */
class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;
  constructor(
    readonly parent: FastifyBaseLogger,
    readonly bindings: Bindings,
    readonly options: ChildOptions,
  ) {}
  get real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }
  get level(): string {
    return this.#child?.level ?? this.options?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.real.level = level;
  }
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LevelMethods = Record<(typeof LEVELS)[number], (...args: unknown[]) => void>;
// On the prototype: one function per level, not one per request (the instance is typed as pino's logger below).
for (const level of LEVELS) {
  (LazyRequestLogger.prototype as unknown as LevelMethods)[level] = function (this: LazyRequestLogger, ...args: unknown[]) {
    (this.real[level] as (...a: unknown[]) => void)(...args);
  };
}

/** Fastify's `childLoggerFactory`: the per-request logger, made on first use. */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  return new LazyRequestLogger(parent, bindings, options) as unknown as FastifyBaseLogger;
}
