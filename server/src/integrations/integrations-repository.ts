import type { IntegrationProvider, IntegrationStatus } from '@weft/shared';
import type { Db } from '../db/open';

export type IntegrationRow = {
  id: string;
  name: string;
  provider: IntegrationProvider;
  config: string;
  credentials: string | null;
  credential_fields: string;
  status: IntegrationStatus;
  status_reason: string | null;
  checked_at: string | null;
  operations: string;
  /** MCP: the tools as listed when an admin last saved it (JSON); null until the first listing since. */
  reviewed_operations: string | null;
  latest_sync_execution_id: string | null;
  last_sync_error: string | null;
  created_at: string;
  updated_at: string;
};

export type ProvisionRow = { integration_id: string; template: string; workflow_id: string; trigger_key: string | null; created_at: string };

/** Integration and provisioning rows; a missing row is null. Callers own the transaction. */
export function createIntegrationsRepository(db: Db) {
  const s = {
    byName: db.prepare<[string], IntegrationRow>('SELECT * FROM integrations WHERE name = ?'),
    byId: db.prepare<[string], IntegrationRow>('SELECT * FROM integrations WHERE id = ?'),
    list: db.prepare<[], IntegrationRow>('SELECT * FROM integrations ORDER BY name'),
    insert: db.prepare(
      `INSERT INTO integrations (id, name, provider, config, credentials, credential_fields, status, created_at, updated_at)
       VALUES (@id, @name, @provider, @config, @credentials, @credentialFields, 'pending', @now, @now)`,
    ),
    setSettings: db.prepare(
      `UPDATE integrations SET config = @config, credentials = @credentials, credential_fields = @credentialFields, status = 'pending',
         status_reason = NULL, reviewed_operations = NULL, updated_at = @now WHERE id = @id`,
    ),
    setStatus: db.prepare(
      'UPDATE integrations SET status = @status, status_reason = @reason, checked_at = COALESCE(@checkedAt, checked_at), updated_at = @now WHERE id = @id',
    ),
    setOperations: db.prepare('UPDATE integrations SET operations = ? WHERE id = ?'),
    setReviewed: db.prepare('UPDATE integrations SET reviewed_operations = ? WHERE id = ? AND reviewed_operations IS NULL'),
    setSync: db.prepare('UPDATE integrations SET latest_sync_execution_id = ?, last_sync_error = ?, updated_at = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM integrations WHERE id = ?'),
    provisions: db.prepare<[string], ProvisionRow>('SELECT * FROM integration_provisions WHERE integration_id = ? ORDER BY created_at, template'),
    allProvisions: db.prepare<[], ProvisionRow>('SELECT * FROM integration_provisions ORDER BY created_at'),
    provision: db.prepare<[string, string], ProvisionRow>('SELECT * FROM integration_provisions WHERE integration_id = ? AND template = ?'),
    provisionByWorkflow: db.prepare<[string], ProvisionRow>('SELECT * FROM integration_provisions WHERE workflow_id = ?'),
    insertProvision: db.prepare(
      'INSERT INTO integration_provisions (integration_id, template, workflow_id, trigger_key, created_at) VALUES (@integrationId, @template, @workflowId, @triggerKey, @now) ON CONFLICT DO NOTHING',
    ),
    setProvisionTrigger: db.prepare('UPDATE integration_provisions SET trigger_key = ? WHERE integration_id = ? AND template = ?'),
  };
  return {
    byName: (name: string): IntegrationRow | null => s.byName.get(name) ?? null,
    byId: (id: string): IntegrationRow | null => s.byId.get(id) ?? null,
    list: (): IntegrationRow[] => s.list.all(),
    insert: (r: {
      id: string;
      name: string;
      provider: IntegrationProvider;
      config: string;
      credentials: string | null;
      credentialFields: string;
      now: string;
    }) => s.insert.run(r),
    setSettings: (r: { id: string; config: string; credentials: string | null; credentialFields: string; now: string }) => s.setSettings.run(r),
    setStatus: (r: { id: string; status: IntegrationStatus; reason: string | null; checkedAt: string | null; now: string }) => s.setStatus.run(r),
    setOperations: (id: string, operations: string) => s.setOperations.run(operations, id),
    /** Records the reviewed baseline, only where none is recorded (a save cleared it). */
    setReviewed: (id: string, reviewed: string) => s.setReviewed.run(reviewed, id),
    setSync: (id: string, executionId: string, error: string | null, now: string) => s.setSync.run(executionId, error, now, id),
    remove: (id: string) => s.remove.run(id).changes === 1,
    provisions: (integrationId: string): ProvisionRow[] => s.provisions.all(integrationId),
    allProvisions: (): ProvisionRow[] => s.allProvisions.all(),
    provision: (integrationId: string, template: string): ProvisionRow | null => s.provision.get(integrationId, template) ?? null,
    provisionByWorkflow: (workflowId: string): ProvisionRow | null => s.provisionByWorkflow.get(workflowId) ?? null,
    /** False when the (integration, template) row already exists: someone provisioned first. */
    insertProvision: (r: { integrationId: string; template: string; workflowId: string; triggerKey: string | null; now: string }) =>
      s.insertProvision.run(r).changes === 1,
    setProvisionTrigger: (integrationId: string, template: string, triggerKey: string) => s.setProvisionTrigger.run(triggerKey, integrationId, template),
  };
}

export type IntegrationsRepository = ReturnType<typeof createIntegrationsRepository>;
