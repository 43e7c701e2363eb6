import { z } from 'zod';

/** Every journaled event: written in the same transaction as the rows it describes, fanned out after commit. */
export const JournalEvent = z.object({
  topic: z.string(),
  seq: z.number().int().min(1),
  type: z.string(),
  at: z.string(),
  data: z.unknown(),
});
export type JournalEvent = z.infer<typeof JournalEvent>;

export const EVENT_TYPES = [
  'execution.updated',
  'step.updated',
  'approval.requested',
  'approval.decided',
  'message.created',
  'message.delta',
  'message.completed',
  'session.updated',
  'trigger.updated',
  'trigger.deleted',
  'delivery.recorded',
  'delivery.counted',
  'integration.updated',
  'integration.deleted',
  'conversation.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Topic names: `execution:<id>`, `session:<id>`, and the singletons. */
export const TOPIC_PATTERN = /^(?:(execution|session|workflow|trigger|integration):([A-Za-z0-9_-]{1,100})|(approvals|integrations|executions|sessions|workflows|triggers))$/;

export type ParsedTopic =
  | { kind: 'execution' | 'session' | 'workflow' | 'trigger' | 'integration'; id: string }
  | { kind: 'approvals' | 'integrations' | 'executions' | 'sessions' | 'workflows' | 'triggers'; id?: undefined };

export function parseTopic(topic: string): ParsedTopic | null {
  const m = TOPIC_PATTERN.exec(topic);
  if (!m) return null;
  if (m[1]) return { kind: m[1] as 'execution', id: m[2]! };
  return { kind: m[3] as 'approvals' };
}

export const EventsQuery = z.object({
  topic: z.string().min(1).max(200),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

export const EventsResponse = z.object({
  events: z.array(JournalEvent),
  /** Highest seq stored for the topic when the page was read. */
  lastSeq: z.number().int(),
  hasMore: z.boolean(),
});
export type EventsResponse = z.infer<typeof EventsResponse>;
