import type { IntegrationProvider } from '@weft/shared';
import type { z } from 'zod';
import type { ToolEffect } from '../../tools/tool';

/**
 * How a provider call failed. The kind decides what happens to the integration's status:
 * `auth` and `unreachable` -> `error`, `unavailable` (5xx, 429, timeout) -> `degraded`;
 * `rejected` and `not_found` are the caller's problem and change nothing.
 */
export type ProviderFailure = 'auth' | 'unreachable' | 'unavailable' | 'rejected' | 'not_found';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ProviderFailure,
    message: string,
    readonly upstreamStatus?: number,
  ) {
    super(message);
  }
}

/** What a connected integration can do: one Weft tool `<integration>:<name>` each. */
export type Operation = {
  name: string;
  description: string;
  /** Built-in providers describe arguments with zod. */
  args?: z.ZodType;
  /** MCP tools bring a JSON Schema. */
  inputSchema?: Record<string, unknown>;
  /** What a call changes (see ToolEffect): decides who must approve it. */
  effect: ToolEffect;
  run(args: unknown, signal: AbortSignal): Promise<unknown>;
};

/**
 * A built-in operation: `run` gets its arguments parsed by `args`, so the schema is named once and
 * the arguments are typed.
 */
export function defineOperation<A extends z.ZodType>(
  op: Omit<Operation, 'args' | 'inputSchema' | 'run'> & { args: A; run(args: z.infer<A>, signal: AbortSignal): Promise<unknown> },
): Operation {
  return { ...op, run: async (raw, signal) => op.run(op.args.parse(raw), signal) };
}

/** The persisted part of an operation (MCP tool lists survive restarts). */
export type OperationRecord = { name: string; description: string; inputSchema?: Record<string, unknown>; effect: ToolEffect };

export type CheckResult = { status: 'ready' | 'degraded' | 'error'; reason: string | null };

/** One live integration: built from decrypted credentials, kept until the integration changes or the server stops. */
export interface Connection {
  /** Connects when needed and probes; MCP also refreshes its tool list. Never throws. */
  check(signal: AbortSignal): Promise<CheckResult>;
  /** Operation names the current configuration and credentials allow (before any check). */
  capabilities(): string[];
  operations(): Operation[];
  /**
   * MCP: the tools as listed when an admin last saved the integration (the baseline later listings
   * are held to), or null until the first listing since then.
   */
  reviewed?(): OperationRecord[] | null;
  close(): Promise<void>;
}

export type ConnectInput<C, K> = {
  name: string;
  config: C;
  credentials: K | undefined;
  /** Tools an MCP server listed before (from the database), usable before the first check. */
  known: OperationRecord[];
  /** MCP: the reviewed baseline (the stored one), or null when the next listing becomes it. */
  reviewed?: OperationRecord[] | null;
  /** Called when an MCP server's tool list changed outside a check (list_changed). */
  onOperationsChanged(): void;
};

export interface ProviderDefinition<C = unknown, K = unknown> {
  readonly provider: IntegrationProvider;
  readonly configSchema: z.ZodType<C>;
  readonly credentialsSchema: z.ZodType<K>;
  readonly credentialsRequired: boolean;
  connect(input: ConnectInput<C, K>): Connection;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Aborts on the caller's signal or after `ms`. */
export const withTimeout = (signal: AbortSignal, ms: number) => AbortSignal.any([signal, AbortSignal.timeout(ms)]);

export const failureMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What a failed probe means for the status. */
export function checkResultOf(err: unknown): CheckResult {
  if (err instanceof ProviderError) {
    switch (err.kind) {
      case 'auth':
      case 'unreachable':
        return { status: 'error', reason: err.message };
      case 'unavailable':
      case 'rejected':
      case 'not_found':
        return { status: 'degraded', reason: err.message };
      default: {
        const never: never = err.kind;
        return { status: 'error', reason: String(never) };
      }
    }
  }
  return { status: 'error', reason: failureMessage(err) };
}
