import { llmSettingsFromEnv, LogFormat, ToolPolicy, tracingSettingsFromEnv, type LlmSettings, type TracingSettings } from '@weft/shared';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
// Repository root: `./data` in the README means the checkout's data folder, whatever the cwd.
import { REPO_ROOT } from './paths';
import { systemTimezone } from './system-timezone';

const Bool = z.enum(['0', '1', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');

const Secret = z
  .string()
  .min(16, 'must be at least 16 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  WEFT_DATA_DIR: z.string().min(1).optional(),
  WEFT_DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || isPostgresUrl(v), 'must be a PostgreSQL URL: postgres://user:password@host:5432/database'),
  // PostgreSQL's statement_timeout for the server's sessions (db/postgres/sync-connection.ts).
  WEFT_DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be at least 100')
    .max(3_600_000, 'must be at most 3600000 (an hour)')
    .default(30_000),
  WEFT_TOKEN: Secret.optional(),
  WEFT_RUNNER_TOKEN: Secret.optional(),
  WEFT_METRICS_TOKEN: Secret.optional(),
  WEFT_ALLOWED_HOSTS: z.string().optional(),
  WEFT_TRUST_PROXY: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || parseTrustedProxies(v).every(isProxyEntry),
      'must be a comma list of IP addresses, CIDR ranges or loopback / linklocal / uniquelocal',
    ),
  WEFT_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  WEFT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEFT_LOG_FORMAT: LogFormat.default('json'),
  WEFT_ALLOW_BASH: Bool.optional(),
  WEFT_ALLOW_UNSIGNED_HOOKS: Bool.default(false),
  WEFT_START_RUNNER: Bool.default(true),
  WEFT_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  WEFT_CLIENT_DIR: z.string().optional(),
  WEFT_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
  WEFT_MAX_RUN_DEPTH: z.coerce.number().int().min(0).max(100).default(5),
  WEFT_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
  WEFT_RETENTION_DAYS: z.coerce.number().int('must be a whole number of days').min(0).max(36_500).default(30),
  WEFT_RETENTION_MAX_EXECUTIONS: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be a positive number of executions (leave it unset for no count limit)')
    .max(1_000_000_000)
    .optional(),
  WEFT_RETENTION_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(600_000),
  WEFT_JOURNAL_COMPACT_AFTER_HOURS: z.coerce.number().min(0).max(87_600).default(24),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_AUTH_TOKEN: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  WEFT_MODEL: z.string().min(1).max(200).default('claude-sonnet-5-5'),
  WEFT_FALLBACK_MODELS: z.string().optional(),
  WEFT_LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(600_000),
  WEFT_LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  WEFT_TIMEZONE: z.string().min(1).optional(),
  WEFT_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (64 hex digits, base64 of 32 bytes, or a long passphrase)').optional(),
  WEFT_OIDC_ISSUER: z
    .string()
    .url("must be the provider's issuer URL (https://…)")
    .refine((v) => isSecureIssuer(v), 'must use https (plain http only for a provider on loopback)')
    .optional(),
  WEFT_OIDC_CLIENT_ID: z.string().min(1).max(500).optional(),
  WEFT_OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
  WEFT_OIDC_ROLE_CLAIM: z
    .string()
    .regex(/^[\w.:/-]{1,200}$/, 'must be a claim name (letters, digits, _ . : / -)')
    .optional(),
  WEFT_OIDC_LINK_BY_EMAIL: Bool.default(false),
  WEFT_TOOL_POLICY: z.string().max(100_000).optional(),
});

/** Never echoed in configuration errors. */
const SECRET_ENV = new Set([
  'WEFT_DATABASE_URL', // may carry a password
  'WEFT_TOKEN',
  'WEFT_RUNNER_TOKEN',
  'WEFT_METRICS_TOKEN',
  'WEFT_SECRET_KEY',
  'WEFT_OIDC_CLIENT_SECRET',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
]);

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  /**
   * WEFT_DATABASE_URL: the server's database on PostgreSQL; undefined: SQLite in `dataDir` (the
   * default). The data dir still holds the generated runner token and secret key.
   */
  databaseUrl: string | undefined;
  /** WEFT_DATABASE_STATEMENT_TIMEOUT_MS: how long PostgreSQL lets one statement run before canceling it (503 to the request). */
  databaseStatementTimeoutMs: number;
  /** Fixed token from WEFT_TOKEN; otherwise the auth plugin generates and stores one. */
  fixedToken: string | undefined;
  /** Fixed runner credential from WEFT_RUNNER_TOKEN; otherwise generated into `<dataDir>/runner-token`. */
  fixedRunnerToken: string | undefined;
  /** WEFT_METRICS_TOKEN: a bearer accepted on `GET /metrics` only (a scraper's credential); undefined: admins only. */
  metricsToken: string | undefined;
  extraAllowedHosts: string[];
  /**
   * Proxies (addresses, CIDR ranges, `loopback`…) whose X-Forwarded-For / X-Forwarded-Proto are
   * believed; empty: those headers are ignored.
   */
  trustedProxies: string[];
  /** How long a browser session lasts after sign-in. */
  sessionTtlMs: number;
  bodyLimit: number;
  logLevel: z.infer<typeof EnvSchema>['WEFT_LOG_LEVEL'];
  /** WEFT_LOG_FORMAT: one JSON line per event (default), or a readable line for people. */
  logFormat: LogFormat;
  allowBash: boolean | undefined;
  /**
   * WEFT_START_RUNNER: whether `pnpm start` starts a runner beside the server (cli/start.ts decides
   * from the raw variable before this config loads; here it is only checked).
   */
  startRunner: boolean;
  /** Webhooks with verify "none" are refused on a server that listens beyond loopback unless this is set. */
  allowUnsignedHooks: boolean;
  synchronous: 'FULL' | 'NORMAL';
  clientDir: string;
  /** Browser sockets: ping interval; a socket that misses one beat is terminated. */
  liveHeartbeatMs: number;
  /** Past this many unsent bytes a browser socket is closed as a slow consumer. */
  liveMaxBufferedBytes: number;
  /** A closing browser socket that drains nothing for this long is terminated (its buffer freed). */
  liveCloseGraceMs: number;
  /** Runner leases: how long a grant lasts without a heartbeat, and how often runners beat. */
  leaseMs: number;
  runnerHeartbeatMs: number;
  /** How often lease expiry, timers and approval timeouts are checked. */
  engineTickMs: number;
  /** On PostgreSQL, `/api/ready` probes with a write at most this often while healthy (the last result stands between). */
  readyProbeEveryMs: number;
  /** How many runs deep a workflow may start runs (run_workflow from inside a run); deeper starts are refused. */
  maxRunDepth: number;
  /** Audit entries older than this many days are deleted (daily); 0 keeps them forever. */
  auditRetentionDays: number;
  /** Pruning of finished executions and compaction of the journal (server/src/retention/). */
  retention: RetentionConfig;
  /** Model access; `provider: 'offline'` when neither a key nor a base URL is set. */
  llm: LlmSettings;
  /** Default IANA timezone for schedules suggested by drafting. */
  timezone: string;
  /** Encrypts integration credentials at rest; without it a key is generated into `<dataDir>/secret.key` (0600). */
  secretKey: string | undefined;
  /** How often integrations are health-checked. */
  integrationCheckMs: number;
  /** Single sign-on with OpenID Connect; null when WEFT_OIDC_* are not set. */
  oidc: OidcConfig | null;
  /** OpenTelemetry trace export (OTEL_EXPORTER_OTLP_* and friends); null: no traces, nothing of OpenTelemetry loaded. */
  tracing: TracingSettings | null;
  /**
   * WEFT_TOOL_POLICY: the operator's tool policy (`{"<tool or pattern>": "allow"|"ask"|"deny"}`),
   * under each agent step's `toolPolicy`; sent to runners in the grant. Undefined: the defaults.
   */
  toolPolicy: ToolPolicy | undefined;
};

export type RetentionConfig = {
  /** Finished executions older than this many days are pruned; 0 keeps them whatever their age. */
  days: number;
  /** At most this many finished executions are kept (the newest); null: no count limit. */
  maxExecutions: number | null;
  /** How often retention runs (and once `startDelayMs` after start). */
  intervalMs: number;
  startDelayMs: number;
  /** A finished execution's journal topic (and any other topic's events) older than this is compacted. */
  compactAfterMs: number;
  /** Rows one transaction deletes at most; the loop yields to the event loop between transactions. */
  batchRows: number;
  /**
   * Milliseconds one transaction works at most (after its first unit of work: each makes progress).
   * On PostgreSQL a statement is a round trip, and 200 topics looked at cost hundreds of them.
   */
  batchMs: number;
};

export type OidcConfig = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** A claim naming the person's Weft role (a role, or an array of them); null: roles are managed in Weft. */
  roleClaim: string | null;
  /**
   * Whether a first single sign-on may take over an existing account with the same verified email.
   * Off by default: it trusts the provider with every account's password-protected identity. Never
   * for the owner or an admin; they link from their Account page while signed in.
   */
  linkByEmail: boolean;
};

const OIDC_REQUIRED = ['WEFT_OIDC_ISSUER', 'WEFT_OIDC_CLIENT_ID', 'WEFT_OIDC_CLIENT_SECRET'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at boot; no other module reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const blankToUndefined = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = EnvSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (i) => `${String(i.path[0])}=${SECRET_ENV.has(String(i.path[0])) ? '[redacted]' : JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
      ),
    );
  }
  const e = parsed.data;
  const extraAllowedHosts = (e.WEFT_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const problems: string[] = [];
  if (!isLoopbackHost(e.HOST) && extraAllowedHosts.length === 0) {
    problems.push(
      `HOST=${JSON.stringify(e.HOST)}: listening beyond loopback needs WEFT_ALLOWED_HOSTS, the names browsers use to reach this server (e.g. WEFT_ALLOWED_HOSTS=weft.example.com)`,
    );
  }
  if (e.WEFT_TOKEN !== undefined && e.WEFT_TOKEN === e.WEFT_RUNNER_TOKEN) {
    problems.push('WEFT_RUNNER_TOKEN=[redacted]: must differ from WEFT_TOKEN (runners get their own credential)');
  }
  if (e.WEFT_METRICS_TOKEN !== undefined && (e.WEFT_METRICS_TOKEN === e.WEFT_TOKEN || e.WEFT_METRICS_TOKEN === e.WEFT_RUNNER_TOKEN)) {
    problems.push('WEFT_METRICS_TOKEN=[redacted]: must differ from WEFT_TOKEN and WEFT_RUNNER_TOKEN (a scraper gets its own credential)');
  }
  problems.push(...oidcProblems(e));
  const toolPolicy = parseToolPolicy(e.WEFT_TOOL_POLICY);
  if (typeof toolPolicy === 'string') problems.push(toolPolicy);
  const tracing = tracingSettingsFromEnv(env, 'weft-server');
  problems.push(...tracing.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const base = env.INIT_CWD ?? process.cwd();
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.WEFT_DATA_DIR ? path.resolve(base, e.WEFT_DATA_DIR) : path.join(REPO_ROOT, 'data'),
    databaseUrl: e.WEFT_DATABASE_URL,
    databaseStatementTimeoutMs: e.WEFT_DATABASE_STATEMENT_TIMEOUT_MS,
    fixedToken: e.WEFT_TOKEN,
    fixedRunnerToken: e.WEFT_RUNNER_TOKEN,
    metricsToken: e.WEFT_METRICS_TOKEN,
    extraAllowedHosts,
    trustedProxies: parseTrustedProxies(e.WEFT_TRUST_PROXY ?? ''),
    sessionTtlMs: 30 * 24 * 60 * 60 * 1000,
    bodyLimit: e.WEFT_BODY_LIMIT,
    logLevel: e.WEFT_LOG_LEVEL,
    logFormat: e.WEFT_LOG_FORMAT,
    allowBash: e.WEFT_ALLOW_BASH,
    allowUnsignedHooks: e.WEFT_ALLOW_UNSIGNED_HOOKS,
    startRunner: e.WEFT_START_RUNNER,
    synchronous: e.WEFT_SYNCHRONOUS,
    clientDir: e.WEFT_CLIENT_DIR ? path.resolve(base, e.WEFT_CLIENT_DIR) : path.join(REPO_ROOT, 'client', 'dist'),
    liveHeartbeatMs: 15_000,
    liveMaxBufferedBytes: 4 * 1024 * 1024,
    liveCloseGraceMs: 5_000,
    leaseMs: e.WEFT_LEASE_MS,
    runnerHeartbeatMs: Math.max(100, Math.floor(e.WEFT_LEASE_MS / 3)),
    engineTickMs: 250,
    readyProbeEveryMs: 5_000,
    maxRunDepth: e.WEFT_MAX_RUN_DEPTH,
    auditRetentionDays: e.WEFT_AUDIT_RETENTION_DAYS,
    retention: {
      days: e.WEFT_RETENTION_DAYS,
      maxExecutions: e.WEFT_RETENTION_MAX_EXECUTIONS ?? null,
      intervalMs: e.WEFT_RETENTION_INTERVAL_MS,
      startDelayMs: Math.min(5_000, e.WEFT_RETENTION_INTERVAL_MS),
      compactAfterMs: Math.round(e.WEFT_JOURNAL_COMPACT_AFTER_HOURS * 3_600_000),
      batchRows: 200,
      batchMs: 10,
    },
    llm: llmSettingsFromEnv(e),
    timezone: e.WEFT_TIMEZONE ?? systemTimezone(),
    secretKey: e.WEFT_SECRET_KEY,
    integrationCheckMs: 5 * 60_000,
    oidc:
      e.WEFT_OIDC_ISSUER && e.WEFT_OIDC_CLIENT_ID && e.WEFT_OIDC_CLIENT_SECRET
        ? {
            issuer: e.WEFT_OIDC_ISSUER,
            clientId: e.WEFT_OIDC_CLIENT_ID,
            clientSecret: e.WEFT_OIDC_CLIENT_SECRET,
            roleClaim: e.WEFT_OIDC_ROLE_CLAIM ?? null,
            linkByEmail: e.WEFT_OIDC_LINK_BY_EMAIL,
          }
        : null,
    tracing: tracing.settings,
    toolPolicy: typeof toolPolicy === 'string' ? undefined : toolPolicy,
    ...overrides,
  };
}

/** Single sign-on needs all three of issuer, client id and secret; a half-set one is a mistake, not "off". */
/** WEFT_TOOL_POLICY as a policy, or the problem (a sentence naming the variable) when it is not one. */
function parseToolPolicy(raw: string | undefined): ToolPolicy | undefined | string {
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return 'WEFT_TOOL_POLICY: must be JSON, a map like {"workspace:bash":"ask","github:*":"allow"}';
  }
  const parsed = ToolPolicy.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'invalid_key')
    return `WEFT_TOOL_POLICY entry ${JSON.stringify(String(issue.path[0]))}: must be a tool name or a pattern like "workspace:*"`;
  if (issue.path.length > 0) return `WEFT_TOOL_POLICY entry ${JSON.stringify(String(issue.path[0]))}: must be "allow", "ask" or "deny"`;
  if (issue.code === 'invalid_type') return 'WEFT_TOOL_POLICY: must be a JSON object mapping tool names or patterns to "allow", "ask" or "deny"';
  return `WEFT_TOOL_POLICY: ${issue.message}`;
}

function oidcProblems(e: z.infer<typeof EnvSchema>): string[] {
  const set = OIDC_REQUIRED.filter((name) => e[name] !== undefined);
  const problems: string[] = [];
  if (set.length > 0 && set.length < OIDC_REQUIRED.length) {
    const missing = OIDC_REQUIRED.filter((name) => e[name] === undefined);
    problems.push(`single sign-on needs ${OIDC_REQUIRED.join(', ')} together: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
  }
  if (set.length === 0 && e.WEFT_OIDC_ROLE_CLAIM !== undefined) {
    problems.push(`WEFT_OIDC_ROLE_CLAIM=${JSON.stringify(e.WEFT_OIDC_ROLE_CLAIM)}: only used with single sign-on (set ${OIDC_REQUIRED.join(', ')})`);
  }
  return problems;
}

/** https, or http to a provider on this machine (a test or development provider). */
function isSecureIssuer(value: string): boolean {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null) return true; // `.url()` reports it
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Decided by parsing the address, never by its spelling: `127.example.com` is a name, not loopback. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  const family = net.isIP(name);
  if (family === 4) return LOOPBACK.check(name, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
    return mapped ? LOOPBACK.check(mapped[1]!, 'ipv4') : LOOPBACK.check(name, 'ipv6');
  }
  return false;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustedProxies(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

/** What @fastify/proxy-addr accepts: a range name, an address, or address/prefix. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = net.isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function isPostgresUrl(v: string): boolean {
  try {
    const url = new URL(v);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
  } catch {
    return false;
  }
}
