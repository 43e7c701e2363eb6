/**
 * Journal topic names. Code never types one inline: a topic about one thing comes from its builder
 * (`executionTopic(id)`), a list's topic is a constant (`EXECUTIONS_TOPIC`), and a topic that comes
 * from outside (a socket subscription, `GET /api/events`) is checked with `parseTopic`.
 */

/** Topics about one entity: `<kind>:<id>`, the id in the topic alphabet (trigger keys are chosen to fit it). */
export const ENTITY_TOPIC_KINDS = ['execution', 'session', 'workflow', 'trigger', 'integration'] as const;
export type EntityTopicKind = (typeof ENTITY_TOPIC_KINDS)[number];

export const APPROVALS_TOPIC = 'approvals';
export const EXECUTIONS_TOPIC = 'executions';
export const INTEGRATIONS_TOPIC = 'integrations';
/** The Notifications inbox: `notification.created`, `notification.read`. */
export const NOTIFICATIONS_TOPIC = 'notifications' as const;
export const SESSIONS_TOPIC = 'sessions';
export const TRIGGERS_TOPIC = 'triggers';
export const WORKFLOWS_TOPIC = 'workflows';

/** Topics a list page follows: one per kind of list. */
export const LIST_TOPICS = [
  APPROVALS_TOPIC,
  EXECUTIONS_TOPIC,
  INTEGRATIONS_TOPIC,
  NOTIFICATIONS_TOPIC,
  SESSIONS_TOPIC,
  TRIGGERS_TOPIC,
  WORKFLOWS_TOPIC,
] as const;
export type ListTopic = (typeof LIST_TOPICS)[number];

export type Topic = `${EntityTopicKind}:${string}` | ListTopic;

export const executionTopic = (executionId: string) => `execution:${executionId}` as const;
export const sessionTopic = (sessionId: string) => `session:${sessionId}` as const;
export const workflowTopic = (workflowId: string) => `workflow:${workflowId}` as const;
export const triggerTopic = (triggerKey: string) => `trigger:${triggerKey}` as const;
export const integrationTopic = (integrationId: string) => `integration:${integrationId}` as const;
/** The inbox is one list (one person per server): its topic is the constant, built here so callers never type it. */
export const notificationsTopic = (): typeof NOTIFICATIONS_TOPIC => NOTIFICATIONS_TOPIC;

export const TOPIC_PATTERN = new RegExp(`^(?:(${ENTITY_TOPIC_KINDS.join('|')}):([A-Za-z0-9_-]{1,100})|(${LIST_TOPICS.join('|')}))$`);

export type ParsedTopic = { kind: EntityTopicKind; id: string } | { kind: ListTopic; id?: undefined };

/** A topic from outside, or null when it is not one (wrong shape, unknown kind, id outside the alphabet). */
export function parseTopic(topic: string): ParsedTopic | null {
  const m = TOPIC_PATTERN.exec(topic);
  if (!m) return null;
  if (m[1]) return { kind: m[1] as EntityTopicKind, id: m[2]! };
  return { kind: m[3] as ListTopic };
}
