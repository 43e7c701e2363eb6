import { llmSettingsFromEnv, LogFormat, tracingSettingsFromEnv, type LlmSettings, type TracingSettings } from '@weft/shared';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseServerUrls, type ServerAddress } from './connection/server-addresses';
import type { LogLevel } from './log';
import { NAT64_PREFIXES_SETTING, parseAllowList, parseNat64Prefixes, type AddressPolicy } from './net/address-policy';
import { parseSandboxPaths, type SandboxMode, type SandboxNetwork } from './steps/sandbox';
import { parseWorkspaceRoots } from './workspace/provision-dirs';

/** Repository root, resolved like the server: `./data` means the checkout's data folder, whatever the cwd. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Written by the server beside its database (0600); never the user's `token`. */
const RUNNER_TOKEN_FILE = 'runner-token';

const EnvSchema = z.object({
  // One URL, or several (comma-separated) to fail over between: parsed by `parseServerUrls`.
  WEFT_SERVER_URL: z.string().default('http://127.0.0.1:8787'),
  WEFT_RUNNER_TOKEN: z.string().optional(),
  WEFT_DATA_DIR: z.string().min(1).optional(),
  WEFT_RUNNER_CAPACITY: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    // Executions mostly wait on I/O (models, http, other processes) and give their slot back while
    // waiting for a person, so a slot is cheap; 4 left work queued behind a few slow agent steps.
    .default(16),
  WEFT_RUNNER_NAME: z.string().max(200, 'must be at most 200 characters').optional(),
  // The server's levels, so one setting serves both processes.
  WEFT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEFT_LOG_FORMAT: LogFormat.default('json'),
  // Model access for agent_prompt steps; the same variables as the server.
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_AUTH_TOKEN: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url('must be a URL').optional(),
  WEFT_MODEL: z.string().min(1).max(200).default('claude-sonnet-5-5'),
  WEFT_FALLBACK_MODELS: z.string().optional(),
  WEFT_LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(900_000),
  WEFT_LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  // Where http steps and notify webhooks (URLs from workflow content) may connect: see net/address-policy.ts.
  WEFT_HTTP_ALLOW: z.string().optional(),
  WEFT_HTTP_DENY_PRIVATE: z.enum(['0', '1'], { error: 'must be 1 or 0' }).default('0'),
  // The network's own NAT64 prefixes (comma-separated, like 2001:db8:64::/96): addresses in them carry an IPv4 address.
  WEFT_OUTBOUND_NAT64_PREFIXES: z.string().optional(),
  // Directories `path` workspaces and local git URLs may use (colon-separated absolute paths); none by default.
  WEFT_WORKSPACE_ROOTS: z.string().optional(),
  // Step processes in bubblewrap (steps/sandbox.ts): `auto` when it works here, `bwrap` or refuse to start, `off`.
  WEFT_SANDBOX: z.enum(['auto', 'bwrap', 'off'], { error: 'must be auto, bwrap or off' }).default('auto'),
  // What step processes see of the host beyond their run directory (colon-separated absolute paths).
  WEFT_SANDBOX_READ_PATHS: z.string().optional(),
  WEFT_SANDBOX_WRITE_PATHS: z.string().optional(),
  // `none`: step processes get a network namespace of their own (no host, no loopback services).
  WEFT_SANDBOX_NETWORK: z.enum(['host', 'none'], { error: 'must be host or none' }).default('host'),
  // Passed on to step processes (nothing else of the runner's environment is).
  PATH: z.string().optional(),
  HOME: z.string().optional(),
  LANG: z.string().optional(),
  TZ: z.string().optional(),
});

/** The runner's variables a step process inherits; everything else (tokens, keys) stays with the runner. */
export const INHERITED_STEP_ENV = ['PATH', 'HOME', 'LANG', 'TZ'] as const;
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type RunnerConfig = {
  /** WEFT_SERVER_URL: the servers to connect to, in failover order (at least one). */
  servers: ServerAddress[];
  /** `offline` when neither a key nor a base URL is set: agent steps answer, plainly marked offline. */
  llm: LlmSettings;
  /** The runner credential: accepted on /ws/runner and the tool-call endpoint only. */
  token: string;
  dataDir: string;
  capacity: number;
  name: string;
  logLevel: LogLevel | 'silent';
  /** WEFT_LOG_FORMAT, the server's variable: JSON lines, or readable lines for people. */
  logFormat: LogFormat;
  /** WEFT_HTTP_ALLOW, WEFT_HTTP_DENY_PRIVATE and WEFT_OUTBOUND_NAT64_PREFIXES. */
  addressPolicy: AddressPolicy;
  /** WEFT_WORKSPACE_ROOTS: absolute directories `path` workspaces and local git URLs must lie under (none: refused). */
  workspaceRoots: string[];
  /** The base environment of step processes: `INHERITED_STEP_ENV` as the runner has them. */
  stepEnvironment: Readonly<Record<string, string>>;
  /** WEFT_SANDBOX and its paths; `main.ts` settles the mode against this machine (`resolveSandbox`). */
  sandbox: { mode: SandboxMode; readPaths: string[]; writePaths: string[]; network: SandboxNetwork };
  /** OpenTelemetry trace export (OTEL_EXPORTER_OTLP_* and friends); null: nothing of OpenTelemetry is loaded. */
  tracing: TracingSettings | null;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid runner configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads the environment once at start; no other runner module reads `process.env` for settings. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  const present = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`));
  }
  const e = parsed.data;
  const servers = parseServerUrls(e.WEFT_SERVER_URL);
  if (servers.problems.length > 0) throw new ConfigError(servers.problems);
  const allow = parseAllowList(e.WEFT_HTTP_ALLOW ?? '');
  if (allow.problems.length > 0) throw new ConfigError(allow.problems.map((problem) => `WEFT_HTTP_ALLOW: ${problem}`));
  const nat64 = parseNat64Prefixes(e.WEFT_OUTBOUND_NAT64_PREFIXES ?? '');
  if (nat64.problems.length > 0) throw new ConfigError(nat64.problems.map((problem) => `${NAT64_PREFIXES_SETTING}: ${problem}`));
  const workspaceRoots = parseWorkspaceRoots(e.WEFT_WORKSPACE_ROOTS ?? '');
  if (workspaceRoots.problems.length > 0) throw new ConfigError(workspaceRoots.problems.map((problem) => `WEFT_WORKSPACE_ROOTS: ${problem}`));
  const readPaths = parseSandboxPaths(e.WEFT_SANDBOX_READ_PATHS ?? '', 'WEFT_SANDBOX_READ_PATHS');
  const writePaths = parseSandboxPaths(e.WEFT_SANDBOX_WRITE_PATHS ?? '', 'WEFT_SANDBOX_WRITE_PATHS');
  if (readPaths.problems.length + writePaths.problems.length > 0) throw new ConfigError([...readPaths.problems, ...writePaths.problems]);
  const tracing = tracingSettingsFromEnv(env, 'weft-runner');
  if (tracing.problems.length > 0) throw new ConfigError(tracing.problems);
  const base = env.INIT_CWD ?? process.cwd();
  const dataDir = e.WEFT_DATA_DIR ? path.resolve(base, e.WEFT_DATA_DIR) : path.join(REPO_ROOT, 'data');
  return {
    servers: servers.servers,
    llm: llmSettingsFromEnv(e),
    token: resolveToken({ runnerToken: e.WEFT_RUNNER_TOKEN, dataDir }),
    dataDir,
    capacity: e.WEFT_RUNNER_CAPACITY,
    name: e.WEFT_RUNNER_NAME ?? os.hostname(),
    logLevel: e.WEFT_LOG_LEVEL === 'fatal' ? 'error' : e.WEFT_LOG_LEVEL === 'trace' ? 'debug' : e.WEFT_LOG_LEVEL,
    logFormat: e.WEFT_LOG_FORMAT,
    addressPolicy: { allow: allow.entries, denyPrivate: e.WEFT_HTTP_DENY_PRIVATE === '1', nat64Prefixes: nat64.prefixes },
    workspaceRoots: workspaceRoots.roots,
    stepEnvironment: stepEnvironment(e),
    sandbox: { mode: e.WEFT_SANDBOX, readPaths: readPaths.paths, writePaths: writePaths.paths, network: e.WEFT_SANDBOX_NETWORK },
    tracing: tracing.settings,
  };
}

function stepEnvironment(e: Pick<z.infer<typeof EnvSchema>, (typeof INHERITED_STEP_ENV)[number]>): Record<string, string> {
  const env: Record<string, string> = { PATH: FALLBACK_PATH };
  for (const name of INHERITED_STEP_ENV) {
    const value = e[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** WEFT_RUNNER_TOKEN, else `<data dir>/runner-token`. The user's access token is no runner credential. */
function resolveToken({ runnerToken, dataDir }: { runnerToken: string | undefined; dataDir: string }): string {
  const fromEnv = runnerToken?.trim();
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, RUNNER_TOKEN_FILE);
  let stored = '';
  try {
    stored = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new ConfigError([`WEFT_DATA_DIR: cannot read the runner token file ${file} (${code ?? 'error'})`]);
  }
  if (!stored) {
    throw new ConfigError([
      `WEFT_RUNNER_TOKEN: not set and no runner token in ${file}; set WEFT_RUNNER_TOKEN to the server's runner token (the server's WEFT_RUNNER_TOKEN, or the contents of its <data dir>/runner-token), or point WEFT_DATA_DIR at the server's data dir. The access token (WEFT_TOKEN) is not accepted by runners`,
    ]);
  }
  return stored;
}
