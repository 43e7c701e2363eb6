import type { ScheduleConfig, WorkflowDefinition } from '@weft/shared';

/**
 * Workflows Weft creates by itself when an integration offers what they need. Each is provisioned
 * at most once per integration: the (integration, template) row is the idempotency key.
 */
export type ProvisioningTemplate = {
  key: string;
  title: string;
  /** Capabilities (operation names) the integration must offer. */
  needs: readonly string[];
  /** A schedule trigger registered with the workflow; null for none. */
  schedule: ScheduleConfig | null;
  definition(integration: string): WorkflowDefinition;
};

export const MESSAGE_SYNC: ProvisioningTemplate = {
  key: 'message_sync',
  title: 'Message sync',
  needs: ['list_messages'],
  schedule: { cron: '*/15 * * * *', timezone: 'UTC', catchUp: 'latest', catchUpWindowSeconds: 3600, overlap: 'skip' },
  definition: (integration) => ({
    name: `Message sync (${integration})`,
    description: `Provisioned by the "${integration}" integration: every 15 minutes, fetch new messages and store them in the conversations store (already stored ones are skipped).`,
    requires: [integration],
    steps: [
      { id: 'fetch', type: 'tool', tool: `${integration}:list_messages`, arguments: { limit: 200 } },
      { id: 'store', type: 'tool', tool: `${integration}:store_messages`, arguments: { messages: '{{ steps.fetch.output.messages }}' } },
    ],
  }),
};

export const TEMPLATES: readonly ProvisioningTemplate[] = [MESSAGE_SYNC];

export const templateByKey = (key: string) => TEMPLATES.find((t) => t.key === key) ?? null;

/** Trigger keys are `[A-Za-z0-9_-]{1,100}`; integration names (at most 40) and template keys fit. */
export const triggerKeyFor = (integration: string, template: string) => `integration-${integration}-${template}`;

export const templateApplies = (t: ProvisioningTemplate, capabilities: readonly string[]) => t.needs.every((n) => capabilities.includes(n));
