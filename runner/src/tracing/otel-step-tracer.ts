import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { formatTraceparent, parseTraceparent, type TracingSettings } from '@weft/shared';
import type { AttemptEnd, AttemptTrace, StepTrace, StepTracer } from './step-tracer';

const STATUS: Record<AttemptEnd['type'], string> = {
  'step.succeeded': 'succeeded',
  'step.failed': 'failed',
  'step.waiting': 'waiting',
  'step.canceled': 'canceled',
};

/** Status, error and outcome attributes of a span ended by `event`; no event: stopped without one. */
function settle(span: Span, event: AttemptEnd | null): void {
  span.setAttribute('weft.step.status', event ? STATUS[event.type] : 'stopped');
  if (event?.type === 'step.succeeded') span.setStatus({ code: SpanStatusCode.OK });
  if (event?.type !== 'step.failed') return;
  if (event.retryInMs !== undefined) span.setAttribute('weft.step.retry_in_ms', event.retryInMs);
  span.recordException({ name: event.error.name, message: event.error.message, ...(event.error.code ? { code: event.error.code } : {}) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
}

const under = (span: Span): Context => trace.setSpan(ROOT_CONTEXT, span);

class OtelAttempt implements AttemptTrace {
  readonly traceparent: string;
  private ended = false;

  constructor(
    readonly span: Span,
    private readonly onEnd: (event: AttemptEnd) => void,
  ) {
    const { traceId, spanId, traceFlags } = span.spanContext();
    this.traceparent = formatTraceparent({ traceId, spanId, flags: traceFlags });
  }

  end(event: AttemptEnd | null): void {
    if (this.ended) return;
    this.ended = true;
    if (event) this.onEnd(event);
    settle(this.span, event);
    this.span.end();
  }
}

/** `step <id>` with one `attempt <n>` child per attempt; the step ends with its last attempt's outcome. */
class OtelStep implements StepTrace {
  private readonly span: Span;
  private open: OtelAttempt | null = null;
  private last: AttemptEnd | null = null;

  constructor(
    private readonly tracer: Tracer,
    private readonly attributes: Attributes,
    { name, parent }: { name: string; parent: Context },
  ) {
    this.span = tracer.startSpan(name, { attributes }, parent);
  }

  attempt(attempt: number): AttemptTrace {
    this.open?.end(null);
    this.span.setAttribute('weft.step.attempt', attempt);
    const span = this.tracer.startSpan(`attempt ${attempt}`, { attributes: { ...this.attributes, 'weft.step.attempt': attempt } }, under(this.span));
    this.open = new OtelAttempt(span, (event) => {
      this.last = event;
    });
    return this.open;
  }

  end(): void {
    // An attempt still open stopped with no event of its own (a nested step handed the execution back, or the lease ended).
    this.open?.end(null);
    settle(this.span, this.last);
    this.span.end();
  }
}

/** Loaded by `loadStepTracer` only when an OTLP endpoint is configured. */
export function createOtelStepTracer(settings: TracingSettings): StepTracer {
  const exporter = new OTLPTraceExporter({ url: settings.url, headers: settings.headers });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, 'weft.process': 'runner' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: settings.scheduleDelayMs })],
  });
  const tracer = provider.getTracer('weft-runner');

  return {
    forLease(grant) {
      const own = parseTraceparent(grant.traceparent);
      if (!own) return undefined;
      const execution = trace.setSpanContext(ROOT_CONTEXT, { traceId: own.traceId, spanId: own.spanId, traceFlags: own.flags, isRemote: true });
      const lease: Attributes = {
        'weft.execution.id': grant.executionId,
        'weft.workflow.id': grant.workflowId,
        'weft.workflow.version': grant.workflowVersion,
        'weft.lease.attempt': grant.attempt,
      };
      return {
        step({ step, iterationPath, parent }) {
          const container = parent instanceof OtelAttempt ? parent.span : undefined;
          const attributes: Attributes = {
            ...lease,
            'weft.step.id': step.id,
            'weft.step.type': step.type,
            ...(iterationPath ? { 'weft.step.iteration_path': iterationPath } : {}),
          };
          return new OtelStep(tracer, attributes, { name: `step ${step.id}`, parent: container ? under(container) : execution });
        },
      };
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
