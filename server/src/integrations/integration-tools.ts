import { AppError } from '../http/errors';
import type { ToolDefinition } from '../tools/tool';
import { scrub } from './credentials';
import { jsonSchemaArgs, unusableInputSchema } from './json-schema-args';
import { ProviderError, failureMessage, type Operation } from './providers/types';

/** How a provider failure answers the caller. 4xx: retrying will not help; 5xx: it may. */
export function toAppError(err: unknown, { integration, secrets }: { integration: string; secrets: readonly string[] }): AppError {
  if (err instanceof AppError) return err;
  const message = scrub(failureMessage(err), secrets).slice(0, 2000);
  if (!(err instanceof ProviderError)) return new AppError(502, 'integration_failed', `${integration}: ${message}`);
  switch (err.kind) {
    case 'auth':
      return new AppError(424, 'integration_auth_failed', `${integration}: ${message}`);
    case 'unreachable':
      return new AppError(502, 'integration_unreachable', `${integration}: ${message}`);
    case 'unavailable':
      return new AppError(502, 'integration_failed', `${integration}: ${message}`);
    case 'rejected':
      return new AppError(422, 'integration_rejected', `${integration}: ${message}`);
    case 'not_found':
      return new AppError(404, 'not_found', `${integration}: ${message}`);
    default: {
      const never: never = err.kind;
      return new AppError(502, 'integration_failed', `${integration}: ${String(never)}`);
    }
  }
}

/**
 * One Weft tool per operation, `<integration>:<operation>`. The registry validates arguments (zod,
 * or the MCP tool's JSON Schema through ajv); each call reports its outcome so the integration's
 * status follows what its operations meet (auth rejected -> error, 5xx -> degraded, success -> ready).
 */
export function integrationToolDefinitions({
  integration,
  operations,
  secrets,
  onOutcome,
}: {
  integration: string;
  operations: Operation[];
  secrets: () => readonly string[];
  onOutcome(err: unknown | null): void;
}): ToolDefinition[] {
  return operations.map((op): ToolDefinition => {
    const name = `${integration}:${op.name}`;
    // An MCP server's schema with a pattern RE2 cannot run: no argument can be checked, so no call is made.
    const unusable = !op.args && op.inputSchema ? unusableInputSchema(op.inputSchema) : null;
    return {
      name,
      description: op.description,
      args: op.args ?? jsonSchemaArgs(op.inputSchema ?? { type: 'object' }),
      ...(op.inputSchema ? { inputSchema: op.inputSchema } : {}),
      ...(unusable
        ? {
            unusable: {
              code: unusable.code,
              message: `${name} cannot be called: its input schema, as the MCP server lists it, has a pattern Weft cannot check arguments with, at ${unusable.path}: ${unusable.message}`,
              details: { tool: name, pattern: unusable.pattern, path: unusable.path },
            },
          }
        : {}),
      effect: op.effect,
      inWorkflows: 'allowed',
      async run(args, ctx) {
        const signal = ctx.signal ?? new AbortController().signal;
        try {
          const result = await op.run(args, signal);
          onOutcome(null);
          return result ?? null;
        } catch (err) {
          onOutcome(err);
          throw toAppError(err, { integration, secrets: secrets() });
        }
      },
    };
  });
}
