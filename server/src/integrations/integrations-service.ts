import {
  CONNECTED_STATUSES,
  INTEGRATIONS_TOPIC,
  CreateIntegrationRequest,
  type Integration,
  type IntegrationStatus,
  type WorkflowDefinition,
} from '@weft/shared';
import { z } from 'zod';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { ToolRegistry } from '../tools/registry';
import { PROVIDER_DEFINITIONS, credentialOwner, type Connections, type LiveIntegration } from './connections';
import { scrub, type CredentialBox } from './credentials';
import type { IntegrationsDeps } from './deps';
import { assertCredentialsFollowEndpoint } from './endpoint';
import type { IntegrationRow } from './integrations-repository';
import { requiredIntegrations } from './preflight';
import type { Provisioning } from './provisioning';
import { ProviderError, type OperationRecord } from './providers/types';
import { templateByKey } from './templates';

const CHECK_TIMEOUT_MS = 60_000;

/** Names of the stored credential fields (`botToken`, `env.API_KEY`): shown, never the values. */
function fieldNames(credentials: unknown, prefix = ''): string[] {
  if (!credentials || typeof credentials !== 'object') return [];
  return Object.entries(credentials).flatMap(([k, v]) => (v && typeof v === 'object' ? fieldNames(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

// SQLite's codes, or PostgreSQL's SQLSTATE 23505 (unique_violation).
const isUniqueViolation = (err: unknown) =>
  ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505'].includes(String((err as { code?: unknown }).code));

/**
 * Integrations: configuration (credentials sealed with AES-256-GCM), the status lifecycle
 * (`pending` -> `syncing` -> `ready` | `degraded` | `error`, journaled on topic `integrations`),
 * checks, and what follows a successful one (tools registered, templates provisioned).
 */
export function createIntegrationsService({
  repo,
  journal,
  clock,
  workflows,
  triggers,
  tools,
  box,
  connections,
  provisioning,
  allowStdio,
  log,
  audit,
}: IntegrationsDeps & {
  tools: ToolRegistry;
  box: CredentialBox;
  connections: Connections;
  provisioning: Provisioning;
  allowStdio: boolean;
}) {
  const inflight = new Map<string, Promise<Integration | null>>();
  const closing = new AbortController();

  const requireRow = (name: string): IntegrationRow => {
    const row = repo.byName(name);
    if (!row) throw notFound(`integration ${name}`);
    return row;
  };

  /** Live workflows naming each integration, computed once per call. */
  function requirers(): Map<string, { id: string; name: string }[]> {
    const by = new Map<string, { id: string; name: string }[]>();
    for (const w of workflows.list()) {
      const def = w.definition as unknown as WorkflowDefinition;
      for (const n of requiredIntegrations(def)) by.set(n, [...(by.get(n) ?? []), { id: w.id, name: def.name }]);
    }
    return by;
  }

  function toView(row: IntegrationRow, required = requirers()): Integration {
    const live = connections.get(row.name);
    const stored = JSON.parse(row.operations) as OperationRecord[];
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      config: JSON.parse(row.config) as Record<string, unknown>,
      credentialFields: JSON.parse(row.credential_fields) as string[],
      capabilities: live ? live.connection.capabilities() : stored.map((o) => o.name),
      tools: tools.list({ patterns: [`${row.name}:*`] }).map((t) => t.name),
      status: row.status,
      statusReason: row.status_reason,
      checkedAt: row.checked_at,
      latestSyncExecutionId: row.latest_sync_execution_id,
      lastSyncError: row.last_sync_error,
      provisioned: repo.provisions(row.id).map((p) => ({
        template: p.template,
        title: templateByKey(p.template)?.title ?? p.template,
        workflowId: p.workflow_id,
        triggerKey: p.trigger_key,
        createdAt: p.created_at,
      })),
      requiredBy: required.get(row.name) ?? [],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Inside the change's transaction: an audit entry about integration `name` (credentials never: only their field names). */
  const record = (action: string, name: string, details: Record<string, unknown>) =>
    audit?.record({ actor: audit.actor(), action, target: { kind: 'integration', id: name }, details });

  /** Inside a transaction: journals the integration as it now is. */
  function publish(id: string): void {
    const row = repo.byId(id);
    if (row) journal.append(INTEGRATIONS_TOPIC, 'integration.updated', toView(row));
  }

  /** Writes a status; journals it when status, reason or tools changed. */
  function setStatus(
    id: string,
    next: { status: IntegrationStatus; reason: string | null; checked?: boolean; operations?: OperationRecord[]; within?: () => void },
  ): void {
    journal.transaction(() => {
      next.within?.();
      const row = repo.byId(id);
      if (!row) return;
      const ops = next.operations ? JSON.stringify(next.operations) : row.operations;
      const now = clock.now().toISOString();
      repo.setStatus({ id, status: next.status, reason: next.reason, checkedAt: next.checked ? now : null, now });
      if (ops !== row.operations) repo.setOperations(id, ops);
      if (row.status !== next.status || row.status_reason !== next.reason || ops !== row.operations) publish(id);
    });
  }

  /** What an operation met says about the integration (called by every tool call). */
  function onOutcome(live: LiveIntegration, err: unknown | null): void {
    if (!connections.isCurrent(live)) return;
    const row = repo.byId(live.id);
    if (!row) return;
    if (err === null) {
      if (row.status === 'degraded' || row.status === 'error') setStatus(row.id, { status: 'ready', reason: null });
      return;
    }
    if (!(err instanceof ProviderError)) return;
    const reason = scrub(err.message, live.secrets).slice(0, 1000);
    if (err.kind === 'auth' || err.kind === 'unreachable') setStatus(row.id, { status: 'error', reason });
    else if (err.kind === 'unavailable' && row.status !== 'error') setStatus(row.id, { status: 'degraded', reason });
  }

  /** What an MCP connection lists now, as stored (its effects already held to the reviewed baseline). */
  const recordsOf = (live: LiveIntegration): OperationRecord[] =>
    live.connection
      .operations()
      .map(({ name: n, description, inputSchema, effect }) => ({ name: n, description, ...(inputSchema ? { inputSchema } : {}), effect }));

  /** Inside a transaction: stores the reviewed baseline the connection took, where none is stored (the first listing since a save). */
  function keepReviewed(id: string, live: LiveIntegration): void {
    const reviewed = live.connection.reviewed?.() ?? null;
    if (reviewed !== null) repo.setReviewed(id, JSON.stringify(reviewed));
  }

  /** An MCP server's tool list changed outside a check (`tools/list_changed`): stored, baseline kept, journaled. */
  function operationsChanged(live: LiveIntegration): void {
    if (!connections.isCurrent(live)) return;
    journal.transaction(() => {
      const row = repo.byId(live.id);
      if (!row) return;
      keepReviewed(row.id, live);
      if (row.provider === 'mcp') repo.setOperations(row.id, JSON.stringify(recordsOf(live)));
      publish(row.id);
    });
  }

  function openConnection(row: IntegrationRow): LiveIntegration | null {
    const opened = connections.open(row);
    if ('live' in opened) return opened.live;
    setStatus(row.id, { status: 'error', reason: opened.error, checked: true });
    return null;
  }

  async function runCheck(name: string, explicit: boolean): Promise<Integration | null> {
    let row = requireRow(name);
    const live = connections.get(name) ?? openConnection(row);
    if (!live) return toView(repo.byId(row.id)!);
    // A check someone asked for is recorded as it starts, with the status it starts from (the
    // outcome is journaled as the integration's status when the check returns).
    const within = explicit ? () => record('integration.checked', name, { statusBefore: row.status }) : undefined;
    if (explicit || row.status === 'pending' || row.status === 'error') setStatus(row.id, { status: 'syncing', reason: null, within });
    const result = await live.connection.check(AbortSignal.any([closing.signal, AbortSignal.timeout(CHECK_TIMEOUT_MS)]));
    if (!connections.isCurrent(live) || closing.signal.aborted) return null; // changed or deleted meanwhile
    const operations = row.provider === 'mcp' ? recordsOf(live) : undefined;
    connections.register(live);
    setStatus(row.id, {
      status: result.status,
      reason: result.reason === null ? null : scrub(result.reason, live.secrets).slice(0, 1000),
      checked: true,
      ...(operations ? { operations } : {}),
      within: () => keepReviewed(row.id, live),
    });
    row = repo.byId(row.id)!;
    if (result.status === 'ready' || result.status === 'degraded') {
      try {
        provisioning.ensure(row, live.connection.capabilities());
      } catch (err) {
        log.error({ err, integration: name }, 'provisioning failed');
      }
    }
    return toView(repo.byId(row.id)!);
  }

  /** Checks now; a check already running for the integration is shared, not doubled. */
  function check(name: string, { explicit = false } = {}): Promise<Integration | null> {
    const running = inflight.get(name);
    if (running) return running;
    const p: Promise<Integration | null> = runCheck(name, explicit).finally(() => {
      if (inflight.get(name) === p) inflight.delete(name);
    });
    inflight.set(name, p);
    return p;
  }

  function checkLater(name: string): void {
    void check(name).catch((err: unknown) => log.error({ err, integration: name }, 'integration check failed'));
  }

  function seal(id: string, credentials: unknown) {
    return credentials === undefined || credentials === null
      ? { credentials: null, credentialFields: '[]' }
      : { credentials: box.seal(credentials, credentialOwner(id)), credentialFields: JSON.stringify(fieldNames(credentials)) };
  }

  function assertStdioAllowed(config: { command?: string | undefined }) {
    if (config.command !== undefined && !allowStdio) {
      throw new AppError(
        422,
        'stdio_not_allowed',
        'config.command: this server does not run local MCP servers (stdio runs a command, like a bash step; set WEFT_ALLOW_BASH=1 to allow it)',
      );
    }
  }

  return {
    toView: (row: IntegrationRow) => toView(row),
    list: (): Integration[] => {
      const required = requirers();
      return repo.list().map((r) => toView(r, required));
    },
    get: (name: string): Integration => toView(requireRow(name)),
    check: (name: string) => check(name, { explicit: true }),
    checkAll: async (): Promise<void> => {
      for (const row of repo.list()) {
        if (closing.signal.aborted) return;
        await check(row.name).catch((err: unknown) => log.error({ err, integration: row.name }, 'integration check failed'));
      }
    },

    create(body: unknown): Integration {
      const req = parseRequest(CreateIntegrationRequest, body, 'body');
      if (req.provider === 'mcp') assertStdioAllowed(req.config);
      const id = newId('int');
      const now = clock.now().toISOString();
      const sealed = seal(id, req.credentials);
      try {
        journal.transaction(() => {
          if (repo.byName(req.name)) throw new AppError(409, 'integration_exists', `name: an integration named "${req.name}" already exists`);
          repo.insert({ id, name: req.name, provider: req.provider, config: JSON.stringify(req.config), ...sealed, now });
          publish(id);
          record('integration.created', req.name, { provider: req.provider, config: req.config, credentialFields: JSON.parse(sealed.credentialFields) });
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError(409, 'integration_exists', `name: an integration named "${req.name}" already exists`);
        throw err;
      }
      openConnection(repo.byId(id)!);
      // The answer shows the integration as created; the first check (-> syncing) starts right after.
      const created = toView(repo.byId(id)!);
      checkLater(req.name);
      return created;
    },

    /**
     * `config` and `credentials` replace the stored ones (credentials `null` clears them where
     * allowed); the status starts over. Moving the endpoint needs the credentials again (422 `credentials_required`).
     */
    patch(name: string, body: unknown): Integration {
      const row = requireRow(name);
      const def = PROVIDER_DEFINITIONS[row.provider];
      const credentialsField = def.credentialsRequired ? def.credentialsSchema.optional() : def.credentialsSchema.nullable().optional();
      const req = parseRequest(
        z
          .strictObject({ config: def.configSchema.optional(), credentials: credentialsField })
          .refine((p) => p.config !== undefined || p.credentials !== undefined, { message: 'give "config", "credentials" or both' }),
        body,
        'body',
      ) as { config?: Record<string, unknown>; credentials?: unknown };
      if (row.provider === 'mcp' && req.config) assertStdioAllowed(req.config);
      assertCredentialsFollowEndpoint({
        provider: row.provider,
        before: JSON.parse(row.config) as Record<string, unknown>,
        after: req.config,
        credentialsGiven: req.credentials !== undefined,
        credentialsStored: row.credentials !== null,
        credentialsOptional: !def.credentialsRequired,
      });
      const sealed = req.credentials === undefined ? { credentials: row.credentials, credentialFields: row.credential_fields } : seal(row.id, req.credentials);
      journal.transaction(() => {
        repo.setSettings({ id: row.id, config: req.config === undefined ? row.config : JSON.stringify(req.config), ...sealed, now: clock.now().toISOString() });
        publish(row.id);
        record('integration.updated', name, {
          before: { config: JSON.parse(row.config) },
          after: { config: req.config ?? JSON.parse(row.config) },
          // Whether the credentials were replaced, and which fields they hold: never their values.
          credentialsChanged: req.credentials !== undefined,
          credentialFields: JSON.parse(sealed.credentialFields),
        });
      });
      openConnection(repo.byId(row.id)!);
      inflight.delete(name); // a check of the old settings no longer counts
      const patched = toView(repo.byId(row.id)!);
      checkLater(name);
      return patched;
    },

    /**
     * Refused (409 `integration_in_use`) while other workflows require it, unless `force`. Its
     * provisioned workflows and their triggers go with it, and so do its conversations.
     */
    async remove(name: string, { force = false } = {}): Promise<void> {
      const row = requireRow(name);
      const own = new Set(repo.provisions(row.id).map((p) => p.workflow_id));
      const users = (requirers().get(name) ?? []).filter((w) => !own.has(w.id));
      if (users.length > 0 && !force) {
        throw new AppError(
          409,
          'integration_in_use',
          `${users.length} workflow(s) require "${name}": ${users.map((w) => w.name).join(', ')}; delete with ?force=true to remove it anyway`,
          {
            workflows: users,
          },
        );
      }
      journal.transaction(() => {
        for (const workflowId of own) {
          triggers.removeForWorkflow(workflowId);
          if (workflows.repo.get(workflowId)) workflows.remove(workflowId);
        }
        repo.remove(row.id);
        journal.append(INTEGRATIONS_TOPIC, 'integration.deleted', { id: row.id, name });
        record('integration.deleted', name, { provider: row.provider, force, removedWorkflows: [...own] });
      });
      await connections.close(name);
    },

    /** Runs the provisioning templates now (idempotent); the integration must be `ready` or `degraded`. */
    provision(name: string) {
      const row = requireRow(name);
      if (row.status !== 'ready' && row.status !== 'degraded') {
        throw new AppError(
          409,
          'integration_not_ready',
          `integration "${name}" is ${row.status}${row.status_reason ? ` (${row.status_reason})` : ''}; provisioning waits until it is ready`,
        );
      }
      const outcomes = journal.transaction(() => {
        const done = provisioning.ensure(row, connections.get(name)?.connection.capabilities() ?? []);
        record('integration.provisioned', name, { outcomes: done });
        return done;
      });
      return { provisioned: outcomes, integration: toView(repo.byId(row.id)!) };
    },

    /** Server start: connections from the stored rows, tools registered from what was last seen. */
    openAll(): void {
      for (const row of repo.list()) openConnection(row);
    },
    async stop(): Promise<void> {
      closing.abort();
      await Promise.allSettled([...inflight.values()]);
      await connections.closeAll();
    },
    onOutcome,
    operationsChanged,
    isConnected: (name: string) => {
      const row = repo.byName(name);
      return row !== null && CONNECTED_STATUSES.includes(row.status);
    },
    publish,
  };
}

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;
