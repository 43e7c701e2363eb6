import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { formatTraceparent, parseTraceparent, type TracingSettings } from '@weft/shared';
import type { FastifyRequest } from 'fastify';
import type { Tracing } from './tracing';

/**
 * Random ids, except while `withIds` runs: the execution span is written when the execution ends,
 * possibly by another server process than the one that created it, with the ids stored then.
 */
class StoredIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private preset: { traceId: string; spanId: string } | null = null;

  withIds<T>(ids: { traceId: string; spanId: string }, fn: () => T): T {
    this.preset = ids;
    try {
      return fn();
    } finally {
      this.preset = null;
    }
  }

  generateTraceId = (): string => this.preset?.traceId ?? this.random.generateTraceId();
  generateSpanId = (): string => this.preset?.spanId ?? this.random.generateSpanId();
}

const errorMessage = (error: string | null): string | undefined => {
  if (error === null) return undefined;
  try {
    const parsed = JSON.parse(error) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : error;
  } catch {
    return error;
  }
};

const remoteParent = (traceId: string, spanId: string, flags: number): Context =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: flags, isRemote: true });

/** Loaded by `loadTracing` only when an OTLP endpoint is configured. */
export function createOtelTracing(settings: TracingSettings, version: string): Tracing {
  const ids = new StoredIdGenerator();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: version, 'weft.process': 'server' }),
    idGenerator: ids,
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url, headers: settings.headers }), { scheduledDelayMillis: settings.scheduleDelayMs }),
    ],
  });
  const tracer = provider.getTracer('weft-server', version);
  const requestSpans = new WeakMap<FastifyRequest, Span>();
  /** The request whose span new executions hang under, while `underRequest` runs (synchronously). */
  let ambient: Span | null = null;

  return {
    enabled: true,

    newExecution(executionId) {
      const parent = ambient;
      parent?.setAttribute('weft.execution.id', executionId);
      // Started only for its ids and the sampler's decision; never ended, so never exported.
      const probe = tracer.startSpan('execution', { root: parent === null }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
      const { traceId, spanId, traceFlags } = probe.spanContext();
      return { traceparent: formatTraceparent({ traceId, spanId, flags: traceFlags }), parentSpanId: parent?.spanContext().spanId ?? null };
    },

    executionEnded(row) {
      const own = parseTraceparent(row.traceparent);
      if (!own) return;
      const parent = row.trace_parent_span_id === null ? ROOT_CONTEXT : remoteParent(own.traceId, row.trace_parent_span_id, own.flags);
      const span = ids.withIds(own, () =>
        tracer.startSpan(
          `execution ${row.workflow_id}`,
          {
            root: row.trace_parent_span_id === null,
            // From creation, so the time queued shows; `weft.execution.started_at` says when a runner first took it.
            startTime: new Date(row.created_at),
            attributes: {
              'weft.execution.id': row.id,
              'weft.workflow.id': row.workflow_id,
              'weft.workflow.version': row.workflow_version,
              'weft.execution.status': row.status,
              'weft.execution.lease_attempts': row.lease_attempt,
              ...(row.started_at === null ? {} : { 'weft.execution.started_at': row.started_at }),
            },
          },
          parent,
        ),
      );
      if (row.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(row.error) ?? 'failed' });
      else if (row.status === 'succeeded') span.setStatus({ code: SpanStatusCode.OK });
      span.end(row.finished_at === null ? undefined : new Date(row.finished_at));
    },

    traceRequests(scope, route) {
      scope.addHook('onRequest', async (request) => {
        const incoming = parseTraceparent(request.headers.traceparent as string | undefined);
        const parent = incoming ? remoteParent(incoming.traceId, incoming.spanId, incoming.flags) : ROOT_CONTEXT;
        const span = tracer.startSpan(
          `${request.method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: request.url.split('?')[0] },
          },
          parent,
        );
        requestSpans.set(request, span);
      });
      scope.addHook('onResponse', async (request, reply) => {
        const span = requestSpans.get(request);
        if (!span) return;
        requestSpans.delete(request);
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${reply.statusCode}` });
        span.end();
      });
      scope.addHook('onRequestAbort', async (request) => {
        const span = requestSpans.get(request);
        if (!span) return;
        requestSpans.delete(request);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the request' });
        span.end();
      });
    },

    underRequest(request, fn) {
      const outer = ambient;
      ambient = requestSpans.get(request) ?? null;
      try {
        return fn();
      } finally {
        ambient = outer;
      }
    },

    async shutdown() {
      await provider.shutdown();
    },
  };
}
