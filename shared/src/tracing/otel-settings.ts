/**
 * Trace export settings from the standard OpenTelemetry variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), read by the server's and the
 * runner's config alike. Pure: it only reads the object it is given.
 */
export type TracingSettings = {
  /** Where spans are POSTed (OTLP/HTTP, JSON). */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  /** OTEL_BSP_SCHEDULE_DELAY: how long spans wait in the batch before they are sent. */
  scheduleDelayMs: number;
};

export const TRACING_ENV = [
  'OTEL_SDK_DISABLED',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_SERVICE_NAME',
  'OTEL_BSP_SCHEDULE_DELAY',
] as const;

export type TracingEnv = Partial<Record<(typeof TRACING_ENV)[number], string | undefined>>;

/**
 * Null when no endpoint is set or OTEL_SDK_DISABLED=true: then nothing of OpenTelemetry is loaded.
 * `problems` name the variable and what is wrong with it.
 */
export function tracingSettingsFromEnv(env: TracingEnv, defaultServiceName: string): { settings: TracingSettings | null; problems: string[] } {
  const value = (name: (typeof TRACING_ENV)[number]) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { settings: null, problems: [] };
  const problems: string[] = [];
  const signal = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  // As the SDK does: the traces endpoint is used as given, the general one gets /v1/traces appended.
  const url = signal ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  const source = signal === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
  if (url === undefined) return { settings: null, problems };
  if (!/^https?:\/\/[^/\s?#]+(?:[/?#]\S*)?$/i.test(url)) problems.push(`${source}=${JSON.stringify(signal ?? base)}: must be an http(s):// URL`);
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'] as const) {
    const parsed = parseHeaders(value(name) ?? '');
    if (parsed === null) problems.push(`${name}: must be a comma list of key=value pairs (values URL-encoded)`);
    else Object.assign(headers, parsed);
  }
  const delay = value('OTEL_BSP_SCHEDULE_DELAY') ?? '5000';
  if (!/^\d{1,7}$/.test(delay)) problems.push(`OTEL_BSP_SCHEDULE_DELAY=${JSON.stringify(delay)}: must be a whole number of milliseconds`);
  if (problems.length > 0) return { settings: null, problems };
  return {
    settings: { url, headers, serviceName: value('OTEL_SERVICE_NAME') ?? defaultServiceName, scheduleDelayMs: Number(delay) },
    problems,
  };
}

/** `api-key=abc,x-tenant=a%20b`: the W3C Baggage-like list the OTLP spec uses; null when malformed. */
function parseHeaders(list: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const pair of list.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) return null;
    const key = pair.slice(0, at).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) return null;
    try {
      out[key.toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return out;
}
