import type { IntegrationProvider } from '@weft/shared';
import { AppError } from '../http/errors';

/**
 * The config fields that decide where an integration's credentials go: the API base a token is
 * sent to, the MCP server's URL, or (stdio) what runs with the secret environment — the command,
 * its arguments, its working directory and its environment (`NODE_OPTIONS`, `PATH`, … choose code).
 */
export const ENDPOINT_FIELDS: { readonly [P in IntegrationProvider]: readonly string[] } = {
  mcp: ['url', 'command', 'args', 'cwd', 'env'],
  slack: ['apiBaseUrl'],
  github: ['apiBaseUrl'],
};

/** JSON with sorted keys, so `{ a, b }` and `{ b, a }` compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function changedEndpointFields({
  provider,
  before,
  after,
}: {
  provider: IntegrationProvider;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}): string[] {
  return ENDPOINT_FIELDS[provider].filter((field) => canonical(before[field]) !== canonical(after[field]));
}

/**
 * Stored credentials are never sent to a new endpoint: a PATCH that moves the endpoint while
 * credentials are stored must give them again (or, where they are optional, clear them with `null`).
 */
export function assertCredentialsFollowEndpoint(input: {
  provider: IntegrationProvider;
  before: Record<string, unknown>;
  after: Record<string, unknown> | undefined;
  credentialsGiven: boolean;
  credentialsStored: boolean;
  credentialsOptional: boolean;
}): void {
  if (input.after === undefined || input.credentialsGiven || !input.credentialsStored) return;
  const changed = changedEndpointFields({ provider: input.provider, before: input.before, after: input.after });
  if (changed.length === 0) return;
  const fields = changed.map((f) => `config.${f}`);
  throw new AppError(
    422,
    'credentials_required',
    `credentials: ${fields.join(', ')} changed, and stored credentials are never sent to a new endpoint: give "credentials" again${input.credentialsOptional ? ' (or "credentials": null to drop them)' : ''}`,
    { fields },
  );
}
