import type { IntegrationProvider } from '@weft/shared';
import type { ToolRegistry } from '../tools/registry';
import type { Conversations } from './conversations';
import { CredentialsError, secretStrings, type CredentialBox } from './credentials';
import type { IntegrationRow } from './integrations-repository';
import { integrationToolDefinitions } from './integration-tools';
import { githubProvider } from './providers/github';
import { mcpProvider } from './providers/mcp';
import { slackProvider } from './providers/slack';
import { failureMessage, type Connection, type OperationRecord, type ProviderDefinition } from './providers/types';

// Each provider's own config and credential types meet here, keyed by the stored `provider` column.
// biome-ignore lint/suspicious/noExplicitAny: one map holds providers of different config and credential types; each is checked where it is defined
export const PROVIDER_DEFINITIONS: { readonly [P in IntegrationProvider]: ProviderDefinition<any, any> } = {
  mcp: mcpProvider,
  slack: slackProvider,
  github: githubProvider,
};

/** The associated data of an integration's credential envelope. */
export const credentialOwner = (id: string) => `integration:${id}`;

export type LiveIntegration = {
  id: string;
  name: string;
  /** Bumped on every (re)open: a check that started on an older connection does not write its result. */
  generation: number;
  connection: Connection;
  /** Strings scrubbed from every message about this integration. */
  secrets: readonly string[];
};

/**
 * The live side of integrations: one connection per integration, built from its decrypted
 * credentials, and its operations registered as tools `<integration>:<operation>` (plus
 * `<integration>:store_messages` for messaging integrations).
 */
export function createConnections({
  box,
  tools,
  conversations,
  onOutcome,
  onOperationsChanged,
}: {
  box: CredentialBox;
  tools: ToolRegistry;
  conversations: Conversations;
  onOutcome(live: LiveIntegration, err: unknown | null): void;
  onOperationsChanged(live: LiveIntegration): void;
}) {
  const live = new Map<string, LiveIntegration>();
  let generation = 0;

  function register(entry: LiveIntegration): void {
    tools.unregister(`${entry.name}:`);
    const operations = entry.connection.operations();
    const defs = integrationToolDefinitions({ integration: entry.name, operations, secrets: () => entry.secrets, onOutcome: (err) => onOutcome(entry, err) });
    if (operations.some((o) => o.name === 'list_messages') && !operations.some((o) => o.name === 'store_messages')) {
      defs.push(conversations.storeTool({ integrationName: entry.name, integrationId: entry.id }));
    }
    tools.register(defs);
  }

  function close(name: string): Promise<void> {
    const entry = live.get(name);
    live.delete(name);
    tools.unregister(`${name}:`);
    return entry ? entry.connection.close().catch(() => {}) : Promise.resolve();
  }

  /** (Re)opens from the stored row. Returns the reason when it cannot (credentials that no longer decrypt). */
  function open(row: IntegrationRow): { live: LiveIntegration } | { error: string } {
    void close(row.name);
    const def = PROVIDER_DEFINITIONS[row.provider];
    let credentials: unknown;
    let config: unknown;
    try {
      credentials = row.credentials === null ? undefined : def.credentialsSchema.parse(box.open(row.credentials, credentialOwner(row.id)));
      config = def.configSchema.parse(JSON.parse(row.config));
    } catch (err) {
      return { error: err instanceof CredentialsError ? err.message : `stored settings are not valid: ${failureMessage(err).slice(0, 300)}` };
    }
    let entry: LiveIntegration;
    const connection = def.connect({
      name: row.name,
      config,
      credentials,
      known: JSON.parse(row.operations) as OperationRecord[],
      reviewed: row.reviewed_operations === null ? null : (JSON.parse(row.reviewed_operations) as OperationRecord[]),
      onOperationsChanged: () => {
        if (live.get(row.name) !== entry) return;
        register(entry);
        onOperationsChanged(entry);
      },
    });
    entry = { id: row.id, name: row.name, generation: ++generation, connection, secrets: secretStrings(credentials) };
    live.set(row.name, entry);
    register(entry);
    return { live: entry };
  }

  return {
    open,
    close,
    register,
    get: (name: string) => live.get(name) ?? null,
    isCurrent: (entry: LiveIntegration) => live.get(entry.name) === entry,
    async closeAll(): Promise<void> {
      await Promise.all([...live.keys()].map(close));
    },
  };
}

export type Connections = ReturnType<typeof createConnections>;
