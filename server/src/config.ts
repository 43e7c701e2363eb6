import type { LlmSettings } from '@weft/shared';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Repository root: `./data` in the README means the checkout's data folder, whatever the cwd. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const Bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  WEFT_DATA_DIR: z.string().min(1).optional(),
  WEFT_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  WEFT_ALLOWED_HOSTS: z.string().optional(),
  WEFT_BODY_LIMIT: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  WEFT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEFT_ALLOW_BASH: Bool.optional(),
  WEFT_ALLOW_UNSIGNED_HOOKS: Bool.default(false),
  WEFT_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  WEFT_CLIENT_DIR: z.string().optional(),
  WEFT_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
  WEFT_MAX_RUN_DEPTH: z.coerce.number().int().min(0).max(100).default(5),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_AUTH_TOKEN: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  WEFT_MODEL: z.string().min(1).max(200).default('claude-sonnet-5-5'),
  WEFT_FALLBACK_MODELS: z.string().optional(),
  WEFT_LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(600_000),
  WEFT_LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  WEFT_TIMEZONE: z.string().min(1).optional(),
  WEFT_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (64 hex digits, base64 of 32 bytes, or a long passphrase)').optional(),
});

/** Never echoed in configuration errors. */
const SECRET_ENV = new Set(['WEFT_TOKEN', 'WEFT_SECRET_KEY', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']);

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  /** Fixed token from WEFT_TOKEN; otherwise the auth plugin generates and stores one. */
  fixedToken: string | undefined;
  extraAllowedHosts: string[];
  bodyLimit: number;
  logLevel: z.infer<typeof EnvSchema>['WEFT_LOG_LEVEL'];
  allowBash: boolean | undefined;
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
  /** How many runs deep a workflow may start runs (run_workflow from inside a run); deeper starts are refused. */
  maxRunDepth: number;
  /** Model access; `provider: 'offline'` when neither a key nor a base URL is set. */
  llm: LlmSettings;
  /** Default IANA timezone for schedules suggested by drafting. */
  timezone: string;
  /** Encrypts integration credentials at rest; without it a key is generated into `<dataDir>/secret.key` (0600). */
  secretKey: string | undefined;
  /** How often integrations are health-checked. */
  integrationCheckMs: number;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at boot; no other module reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const blankToUndefined = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${String(i.path[0])}=${SECRET_ENV.has(String(i.path[0])) ? '[redacted]' : JSON.stringify(env[String(i.path[0])])}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const base = env.INIT_CWD ?? process.cwd();
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.WEFT_DATA_DIR ? path.resolve(base, e.WEFT_DATA_DIR) : path.join(REPO_ROOT, 'data'),
    fixedToken: e.WEFT_TOKEN,
    extraAllowedHosts: (e.WEFT_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    bodyLimit: e.WEFT_BODY_LIMIT,
    logLevel: e.WEFT_LOG_LEVEL,
    allowBash: e.WEFT_ALLOW_BASH,
    allowUnsignedHooks: e.WEFT_ALLOW_UNSIGNED_HOOKS,
    synchronous: e.WEFT_SYNCHRONOUS,
    clientDir: e.WEFT_CLIENT_DIR ? path.resolve(base, e.WEFT_CLIENT_DIR) : path.join(REPO_ROOT, 'client', 'dist'),
    liveHeartbeatMs: 15_000,
    liveMaxBufferedBytes: 4 * 1024 * 1024,
    liveCloseGraceMs: 5_000,
    leaseMs: e.WEFT_LEASE_MS,
    runnerHeartbeatMs: Math.max(100, Math.floor(e.WEFT_LEASE_MS / 3)),
    engineTickMs: 250,
    maxRunDepth: e.WEFT_MAX_RUN_DEPTH,
    llm: {
      provider: e.ANTHROPIC_API_KEY || e.ANTHROPIC_AUTH_TOKEN || e.ANTHROPIC_BASE_URL ? 'anthropic' : 'offline',
      apiKey: e.ANTHROPIC_API_KEY,
      authToken: e.ANTHROPIC_AUTH_TOKEN,
      baseUrl: e.ANTHROPIC_BASE_URL,
      model: e.WEFT_MODEL,
      fallbackModels: (e.WEFT_FALLBACK_MODELS ?? '').split(',').map((m) => m.trim()).filter(Boolean),
      timeoutMs: e.WEFT_LLM_TIMEOUT_MS,
      maxRetries: e.WEFT_LLM_MAX_RETRIES,
    },
    timezone: e.WEFT_TIMEZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    secretKey: e.WEFT_SECRET_KEY,
    integrationCheckMs: 5 * 60_000,
    ...overrides,
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}
