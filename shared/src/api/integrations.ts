import { z } from 'zod';
import { HTTP_URL_PATTERN } from '../steps/common';
import { INTEGRATION_NAME_PATTERN } from '../steps/tool';

/**
 * Request and response shapes of /api/integrations and /api/conversations. `config` is stored and
 * returned as given; `credentials` are encrypted at rest and never returned (only their field names).
 */

export const PROVIDERS = ['mcp', 'slack', 'github'] as const;
export const IntegrationProvider = z.enum(PROVIDERS);
export type IntegrationProvider = z.infer<typeof IntegrationProvider>;

export const INTEGRATION_STATUSES = ['pending', 'syncing', 'ready', 'degraded', 'error'] as const;
export const IntegrationStatus = z.enum(INTEGRATION_STATUSES);
export type IntegrationStatus = z.infer<typeof IntegrationStatus>;

/** Statuses a run or an enabled trigger may start with: anything but `error`. */
export const CONNECTED_STATUSES: readonly IntegrationStatus[] = ['pending', 'syncing', 'ready', 'degraded'];

/** `workflows`, `workspace` and `agent` name the built-in tools, so no integration may take them. */
export const RESERVED_INTEGRATION_NAMES = ['workflows', 'workspace', 'agent'] as const;

export const IntegrationName = z
  .string()
  .min(1)
  .max(40)
  .regex(INTEGRATION_NAME_PATTERN, 'must start with a-z and use a-z, 0-9, "-" and single "_" (at most 40 characters)')
  .refine((n) => !(RESERVED_INTEGRATION_NAMES as readonly string[]).includes(n), {
    message: 'is reserved for the built-in tools (workflows, workspace, agent)',
  });
export type IntegrationName = z.infer<typeof IntegrationName>;

const HttpUrl = z.string().max(2000).regex(HTTP_URL_PATTERN, 'must be an http(s) URL');
const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be a valid header name');
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,100}$/, 'must be an environment variable name');
const StringMap = <K extends z.ZodString>(key: K) =>
  z.record(key, z.string().max(8000)).refine((m) => Object.keys(m).length <= 50, { message: 'at most 50 entries' });

/** MCP: a stdio server (`command`, `args`, `env`) or a streamable HTTP one (`url`, `headers`). */
export const McpConfig = z
  .strictObject({
    command: z.string().min(1).max(1000).optional(),
    args: z.array(z.string().max(4000)).max(100).optional(),
    env: StringMap(EnvName).optional(),
    cwd: z.string().min(1).max(1000).optional(),
    url: HttpUrl.optional(),
    headers: StringMap(HeaderName).optional(),
    /** Per request (connect, list, call); default 30 s. */
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.command === undefined) === (c.url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'give exactly one of "command" (stdio) or "url" (streamable HTTP)' });
    }
    if (c.url !== undefined && (c.args !== undefined || c.env !== undefined || c.cwd !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: '"args", "env" and "cwd" are for stdio servers ("command")' });
    }
    if (c.command !== undefined && c.headers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['headers'], message: '"headers" are for HTTP servers ("url")' });
    }
  });
export type McpConfig = z.infer<typeof McpConfig>;
/** Secret environment variables and headers (an API key, `Authorization`), merged over the config's. */
export const McpCredentials = z.strictObject({ env: StringMap(EnvName).optional(), headers: StringMap(HeaderName).optional() });
export type McpCredentials = z.infer<typeof McpCredentials>;

export const SlackConfig = z.strictObject({
  /** Web API base, e.g. `https://slack.com/api` (the default). */
  apiBaseUrl: HttpUrl.optional(),
  /** Where `send_message` posts when no channel is given (bot token only). */
  defaultChannel: z.string().min(1).max(100).optional(),
  /** Channels `list_messages` reads when none is given; the message sync reads all of them. */
  channels: z.array(z.string().min(1).max(100)).max(50).optional(),
});
export type SlackConfig = z.infer<typeof SlackConfig>;
export const SlackCredentials = z
  .strictObject({ botToken: z.string().min(1).max(500).optional(), webhookUrl: HttpUrl.optional() })
  .refine((c) => c.botToken !== undefined || c.webhookUrl !== undefined, {
    message: 'give a bot token ("botToken"), an incoming-webhook URL ("webhookUrl") or both',
  });
export type SlackCredentials = z.infer<typeof SlackCredentials>;

export const GithubConfig = z.strictObject({
  /** REST API base, e.g. `https://api.github.com` (the default) or `https://ghe.example.com/api/v3`. */
  apiBaseUrl: HttpUrl.optional(),
  /** Defaults for operations that name no repository. */
  owner: z.string().min(1).max(100).optional(),
  repo: z.string().min(1).max(100).optional(),
});
export type GithubConfig = z.infer<typeof GithubConfig>;
export const GithubCredentials = z.strictObject({ token: z.string().min(1).max(500) });
export type GithubCredentials = z.infer<typeof GithubCredentials>;

export const CreateIntegrationRequest = z.discriminatedUnion(
  'provider',
  [
    z.strictObject({ provider: z.literal('mcp'), name: IntegrationName, config: McpConfig, credentials: McpCredentials.optional() }),
    z.strictObject({ provider: z.literal('slack'), name: IntegrationName, config: SlackConfig.default({}), credentials: SlackCredentials }),
    z.strictObject({ provider: z.literal('github'), name: IntegrationName, config: GithubConfig.default({}), credentials: GithubCredentials }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? `provider must be one of: ${PROVIDERS.join(', ')}` : undefined) },
);
export type CreateIntegrationRequest = z.infer<typeof CreateIntegrationRequest>;

/** `config` replaces the stored config; `credentials` replaces the stored ones. Both are checked against the provider's schema. */
export const PatchIntegrationRequest = z
  .strictObject({ config: z.unknown().optional(), credentials: z.unknown().optional() })
  .refine((p) => p.config !== undefined || p.credentials !== undefined, { message: 'give "config", "credentials" or both' });
export type PatchIntegrationRequest = z.infer<typeof PatchIntegrationRequest>;

export const IntegrationNameParams = z.object({ name: z.string().min(1).max(100) });
export const DeleteIntegrationQuery = z.object({ force: z.enum(['true', 'false']).optional() });

export const ProvisionedWorkflow = z.object({
  template: z.string(),
  title: z.string(),
  workflowId: z.string(),
  triggerKey: z.string().nullable(),
  createdAt: z.string(),
});
export type ProvisionedWorkflow = z.infer<typeof ProvisionedWorkflow>;

export const Integration = z.object({
  id: z.string(),
  name: z.string(),
  provider: IntegrationProvider,
  config: z.record(z.string(), z.unknown()),
  /** Names of the stored credential fields; the values are never returned. */
  credentialFields: z.array(z.string()),
  /** Operations this integration offers (for MCP: the server's tools, once synced). */
  capabilities: z.array(z.string()),
  /** Weft tool names, `<integration>:<operation>`. */
  tools: z.array(z.string()),
  status: IntegrationStatus,
  statusReason: z.string().nullable(),
  checkedAt: z.string().nullable(),
  latestSyncExecutionId: z.string().nullable(),
  lastSyncError: z.string().nullable(),
  provisioned: z.array(ProvisionedWorkflow),
  /** Live workflows whose `requires` (or tool steps) name this integration. */
  requiredBy: z.array(z.object({ id: z.string(), name: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Integration = z.infer<typeof Integration>;

export const IntegrationListResponse = z.object({ integrations: z.array(Integration) });
export type IntegrationListResponse = z.infer<typeof IntegrationListResponse>;

/** `details` of a 422 `integration_unavailable`: one entry per required integration that is not connected. */
export const UnavailableIntegration = z.object({ name: z.string(), status: z.union([IntegrationStatus, z.literal('missing')]), reason: z.string() });
export type UnavailableIntegration = z.infer<typeof UnavailableIntegration>;

export const ConversationStatus = z.enum(['open', 'closed']);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

export const ConversationsQuery = z.object({
  status: ConversationStatus.optional(),
  integration: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ConversationsQuery = z.infer<typeof ConversationsQuery>;

export const Conversation = z.object({
  id: z.string(),
  integration: z.string(),
  channel: z.string(),
  threadId: z.string(),
  title: z.string(),
  status: ConversationStatus,
  messageCount: z.number().int(),
  lastMessageAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Conversation = z.infer<typeof Conversation>;

export const ConversationMessage = z.object({ id: z.string(), author: z.string().nullable(), text: z.string(), at: z.string() });
export type ConversationMessage = z.infer<typeof ConversationMessage>;

export const ConversationListResponse = z.object({ conversations: z.array(Conversation) });
export type ConversationListResponse = z.infer<typeof ConversationListResponse>;
export const ConversationResponse = Conversation.extend({ messages: z.array(ConversationMessage) });
export type ConversationResponse = z.infer<typeof ConversationResponse>;
export const PatchConversationRequest = z.strictObject({ status: ConversationStatus });
export type PatchConversationRequest = z.infer<typeof PatchConversationRequest>;
