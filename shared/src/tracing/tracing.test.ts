import { describe, expect, it } from 'vitest';
import { tracingSettingsFromEnv } from './otel-settings';
import { formatTraceparent, parseTraceparent } from './traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it.each([
    [`00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, flags: 1 }],
    [`00-${TRACE.toUpperCase()}-${SPAN}-00`, { traceId: TRACE, spanId: SPAN, flags: 0 }],
    [`01-${TRACE}-${SPAN}-01-future`, { traceId: TRACE, spanId: SPAN, flags: 1 }],
  ])('reads %s', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  it.each([
    '',
    'garbage',
    `ff-${TRACE}-${SPAN}-01`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
    `00-${TRACE.slice(1)}-${SPAN}-01`,
  ])('refuses %j', (value) => {
    expect(parseTraceparent(value)).toBeNull();
  });

  it('formats what it reads', () => {
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, flags: 1 })).toBe(`00-${TRACE}-${SPAN}-01`);
  });
});

describe('tracingSettingsFromEnv', () => {
  it('is off without an endpoint, and when the SDK is disabled', () => {
    expect(tracingSettingsFromEnv({ OTEL_SERVICE_NAME: 'x' }, 'weft')).toEqual({ settings: null, problems: [] });
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }, 'weft').settings).toBeNull();
  });

  it('appends /v1/traces to the general endpoint and uses the traces endpoint as given', () => {
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'weft').settings?.url).toBe('http://c:4318/v1/traces');
    const both = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/otlp' };
    expect(tracingSettingsFromEnv(both, 'weft').settings?.url).toBe('https://t.example/otlp');
  });

  it('reads headers, the service name and the batch delay', () => {
    const { settings } = tracingSettingsFromEnv(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b, X-Tenant=t1',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=t2',
        OTEL_SERVICE_NAME: 'weft-prod',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      'weft',
    );
    expect(settings).toEqual({
      url: 'http://c:4318/v1/traces',
      headers: { 'api-key': 'a b', 'x-tenant': 't2' },
      serviceName: 'weft-prod',
      scheduleDelayMs: 50,
    });
  });

  it('names the variable that is wrong', () => {
    const { settings, problems } = tracingSettingsFromEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'novalue', OTEL_BSP_SCHEDULE_DELAY: 'soon' },
      'weft',
    );
    expect(settings).toBeNull();
    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": must be an http(s):// URL',
      'OTEL_EXPORTER_OTLP_HEADERS: must be a comma list of key=value pairs (values URL-encoded)',
      'OTEL_BSP_SCHEDULE_DELAY="soon": must be a whole number of milliseconds',
    ]);
  });
});
