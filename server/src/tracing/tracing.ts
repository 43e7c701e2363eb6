import type { TracingSettings } from '@weft/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ExecutionRow } from '../executions/executions-repository';

/** Where a new execution's span sits: its own W3C context and the span it hangs under, if any. */
export type ExecutionTraceIds = { traceparent: string; parentSpanId: string | null };

/**
 * The server's traces (docs/api.md "Traces"). With no OTLP endpoint configured this is
 * `tracingOff`: no OpenTelemetry module is loaded and every call returns at once.
 */
export type Tracing = {
  readonly enabled: boolean;
  /** Ids for an execution being created (inside a webhook's request: under its span). */
  newExecution(executionId: string): ExecutionTraceIds | null;
  /** Writes the execution's span from its stored ids and recorded times, once it has finished. */
  executionEnded(row: ExecutionRow): void;
  /** A span for each request of this plugin scope (used by the webhooks). */
  traceRequests(scope: FastifyInstance, route: string): void;
  /** Runs `fn` (synchronous) with the request's span as the parent of executions it creates. */
  underRequest<T>(request: FastifyRequest, fn: () => T): T;
  /** Sends what is batched and stops. */
  shutdown(): Promise<void>;
};

export const tracingOff: Tracing = {
  enabled: false,
  newExecution: () => null,
  executionEnded: () => {},
  traceRequests: () => {},
  underRequest: (_request, fn) => fn(),
  shutdown: async () => {},
};

let sdkLoaded = false;

/** Whether this process loaded the OpenTelemetry SDK (it does only when traces are configured). */
export const tracingSdkLoaded = (): boolean => sdkLoaded;

/** The SDK is imported only here, only when traces are configured: an unconfigured server never loads it. */
export async function loadTracing(settings: TracingSettings | null, version: string): Promise<Tracing> {
  if (settings === null) return tracingOff;
  const { createOtelTracing } = await import('./otel-tracing');
  sdkLoaded = true;
  return createOtelTracing(settings, version);
}
