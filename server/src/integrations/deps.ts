import type { FastifyBaseLogger } from 'fastify';
import type { Journal } from '../journal/journal';
import type { TriggersService } from '../triggers/triggers-service';
import type { Clock } from '../clock';
import type { WorkflowsService } from '../workflows/workflows-service';
import type { IntegrationsRepository } from './integrations-repository';
import type { AuditLog } from '../audit/audit-log';

/**
 * What every part of the integrations capability is built with: its store, the journal and clock,
 * and the workflow and trigger services that provisioning and the status checks write through.
 */
export type IntegrationsDeps = {
  repo: IntegrationsRepository;
  journal: Journal;
  clock: Clock;
  workflows: WorkflowsService;
  triggers: TriggersService;
  log: FastifyBaseLogger;
  /** Records configuration changes, checks and provisioning asked for (never credentials). */
  audit?: AuditLog;
};
