import type { Config } from '../config';
import type { Db } from '../db/open';
import type { ExecutionsService } from '../executions/executions-service';
import type { ToolRegistry } from '../tools/registry';
import { createChannelPoster } from './channel-post';
import { createConnections } from './connections';
import { createConversations } from './conversations';
import { createCredentialBox, loadOrCreateSecretKey } from './credentials';
import type { IntegrationsDeps } from './deps';
import { createHealthMonitor, type Timers } from './health';
import { createIntegrationsService } from './integrations-service';
import { createProvisioning } from './provisioning';
import { createSaveCheck } from './save-check';
import { createGitCredentials } from './git-credential';
import { watchSyncRuns } from './sync-status';

/**
 * Builds the integrations capability from plain dependencies: the service, the conversations
 * store, the save-time check, and `start`/`stop` for the server's onReady/onClose (backfill,
 * periodic health checks, the sync-run hook, closing connections and MCP processes).
 */
export function createIntegrations(
  deps: IntegrationsDeps & {
    db: Db;
    executions: ExecutionsService;
    tools: ToolRegistry;
    config: Pick<Config, 'dataDir' | 'secretKey' | 'integrationCheckMs'>;
    allowStdio: boolean;
    timers?: Timers;
  },
) {
  const { db, repo, journal, clock, workflows, triggers, executions, tools, config, log } = deps;
  const box = createCredentialBox(loadOrCreateSecretKey({ dataDir: config.dataDir, secretKey: config.secretKey }));
  const conversations = createConversations({ db, journal, clock });
  let service: ReturnType<typeof createIntegrationsService>;
  const connections = createConnections({
    box,
    tools,
    conversations,
    onOutcome: (live, err) => service.onOutcome(live, err),
    onOperationsChanged: (live) => service.operationsChanged(live),
  });
  const provisioning = createProvisioning({ repo, journal, clock, workflows, triggers, executions, log });
  service = createIntegrationsService({
    repo,
    journal,
    clock,
    workflows,
    triggers,
    tools,
    box,
    connections,
    provisioning,
    allowStdio: deps.allowStdio,
    log,
    audit: deps.audit,
  });
  const health = createHealthMonitor({
    intervalMs: config.integrationCheckMs,
    checkAll: () => service.checkAll(),
    onError: (err) => log.error({ err }, 'integration health round failed'),
    ...(deps.timers ? { timers: deps.timers } : {}),
  });
  let unwatch: (() => void) | null = watchSyncRuns({ journal, repo, clock, onChanged: (id) => service.publish(id) });

  service.openAll();

  return {
    service,
    conversations,
    provisioning,
    health,
    saveCheck: createSaveCheck({ repo, tools }),
    /** A GitHub integration's token for an agent step's https clone (`POST /api/tools/git-credential`). */
    gitCredentials: createGitCredentials({ repo, box }),
    /** Notify steps' `channel: "<integration>:<channel>"` posts. */
    postToChannel: createChannelPoster({ repo, connections, onOutcome: (live, err) => service.onOutcome(live, err) }),
    start(): void {
      const repaired = provisioning.backfill();
      if (repaired.length > 0) log.info({ triggers: repaired }, 'created missing schedule triggers of provisioned workflows');
      health.start();
    },
    async stop(): Promise<void> {
      unwatch?.();
      unwatch = null;
      await health.stop();
      await service.stop();
    },
  };
}

export type IntegrationsCapability = ReturnType<typeof createIntegrations>;
