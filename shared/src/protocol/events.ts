import { z } from 'zod';
import { Integration, Conversation } from '../api/integrations';
import { Notification, NotificationsRead } from '../api/notifications';
import { Session, SessionDeleted } from '../api/sessions';
import { DeliveryCount, Trigger, TriggerDelivery } from '../api/triggers';
import { WorkflowProposal } from '../api/workflows';
import { ExecutionFix } from '../fixes/fix';
import { Message, MessageDelta, MessageStatus } from '../chat/message';
import { ExecutionSummary, InboxApproval, StepRun } from '../executions/api';

/** `step.updated`: one attempt of one step instance. */
export const StepUpdated = StepRun.extend({ executionId: z.string() });
export type StepUpdated = z.infer<typeof StepUpdated>;

/** `step.log`: a chunk of a step's output (stdout, stderr). */
export const StepLog = z.object({
  executionId: z.string(),
  stepId: z.string(),
  iterationPath: z.string(),
  attempt: z.number().int(),
  stream: z.string(),
  text: z.string(),
});
export type StepLog = z.infer<typeof StepLog>;

/** `message.completed`: a streamed message is closed; `message` is its final state. */
export const MessageCompleted = z.object({ messageId: z.string(), status: MessageStatus.exclude(['streaming']), message: Message });
export type MessageCompleted = z.infer<typeof MessageCompleted>;

export const TriggerDeleted = z.object({ key: z.string() });
export type TriggerDeleted = z.infer<typeof TriggerDeleted>;

/** `delivery.counted`: a new per-minute counter of refused calls or replays of one trigger. */
export const DeliveryCounted = DeliveryCount.extend({ triggerKey: z.string() });
export type DeliveryCounted = z.infer<typeof DeliveryCounted>;

export const IntegrationDeleted = z.object({ id: z.string(), name: z.string() });
export type IntegrationDeleted = z.infer<typeof IntegrationDeleted>;

/**
 * Every event type the server journals, with the schema of its data. The server's test suite checks
 * every event it writes against this map (server/test/setup/journal-event-check.ts); production
 * appends are only typed, never parsed.
 */
export const JOURNAL_EVENT_DATA = {
  'execution.updated': ExecutionSummary,
  'step.updated': StepUpdated,
  'step.log': StepLog,
  'approval.requested': InboxApproval,
  'approval.decided': InboxApproval,
  /** One person approved an approval that needs more (`approvalsSoFar < approvalsNeeded`): still pending. */
  'approval.decision_recorded': InboxApproval,
  /** A pending approval closed undecided (its run ended): `status: "closed"` with `closed.reason`. */
  'approval.closed': InboxApproval,
  'message.created': Message,
  'message.delta': MessageDelta,
  'message.completed': MessageCompleted,
  'session.updated': Session,
  'session.deleted': SessionDeleted,
  'trigger.updated': Trigger,
  'trigger.deleted': TriggerDeleted,
  'delivery.recorded': TriggerDelivery,
  'delivery.counted': DeliveryCounted,
  'integration.updated': Integration,
  'integration.deleted': IntegrationDeleted,
  'conversation.updated': Conversation,
  'proposal.updated': WorkflowProposal,
  /** A fix of a failed run changed (issue 22 §3), or its re-run finished: on the workflows topic. */
  'fix.updated': ExecutionFix,
  'notification.created': Notification,
  'notification.read': NotificationsRead,
} as const satisfies Record<string, z.ZodType>;

export type JournalEventType = keyof typeof JOURNAL_EVENT_DATA;
export type JournalEventData<T extends JournalEventType> = z.infer<(typeof JOURNAL_EVENT_DATA)[T]>;

export const isJournalEventType = (type: string): type is JournalEventType => Object.hasOwn(JOURNAL_EVENT_DATA, type);

/**
 * One journaled event: written in the same transaction as the rows it describes, fanned out after
 * commit. A union on `type`, so a reader that checks `type` has typed `data`.
 */
export type JournalEvent<T extends JournalEventType = JournalEventType> = {
  [K in T]: { topic: string; seq: number; type: K; at: string; data: JournalEventData<K> };
}[T];

/**
 * A journal event as it crosses the wire (`GET /api/events`, the live socket) or comes back from
 * the table: `type` and `data` unchecked. A reader narrows on `type` and parses `data` with
 * `JOURNAL_EVENT_DATA[type]`, so one event it cannot read never fails a whole page or frame.
 */
export const JournalEventEnvelope = z.object({
  topic: z.string(),
  seq: z.number().int().min(1),
  type: z.string(),
  at: z.string(),
  data: z.unknown(),
});
export type JournalEventEnvelope = z.infer<typeof JournalEventEnvelope>;

export const EventsQuery = z.object({
  topic: z.string().min(1).max(200),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

export const EventsResponse = z.object({
  events: z.array(JournalEventEnvelope),
  /** Highest seq stored for the topic when the page was read. */
  lastSeq: z.number().int(),
  hasMore: z.boolean(),
});
export type EventsResponse = z.infer<typeof EventsResponse>;
