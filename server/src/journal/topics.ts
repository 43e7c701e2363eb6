import { type JournalEventEnvelope, parseTopic, SESSIONS_TOPIC, sessionTopic } from '@weft/shared';
import type { Db } from '../db/open';
import type { Principal } from '../auth/principal';
import type { ToolApprovalFacts, ToolViewer } from '../approvals/tool-readers';
import { AppError } from '../http/errors';
import { createChatOwners } from '../sessions/chat-owners';
import type { ChatViewer } from '../sessions/chat-visibility';
import { canReadChat, OWNER_ID } from '../sessions/session-access';
import { createPrunedExecutions } from '../retention/pruned-executions';
import { createJournalFloors, topicPruned } from './floors';

/** `session:`: a chat's own topic. */
const SESSION_TOPIC_PREFIX = sessionTopic('');

/**
 * Who may read which topic: it must be well formed and name something that exists, and a chat's
 * topic (`session:<id>`) is readable only by its person or an admin (others get the same 404 as
 * for a chat that does not exist). Other topics: anyone holding `read` (checked on the route).
 * A run pruned by retention answers 410 `topic_pruned` rather than 404, and so does a replay
 * from before a compacted topic's floor (`assertReplayable`).
 */
export function createTopicAccess({ db }: { db: Db }) {
  const pruned = createPrunedExecutions(db);
  const floors = createJournalFloors(db);
  const exists = {
    execution: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM executions WHERE id = ?'),
    workflow: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM workflows WHERE id = ?'),
  };
  const chats = createChatOwners(db);
  return {
    /** Throws 400 for a malformed topic and 404 for one naming nothing (or another person's chat). */
    assertReadable(topic: string, principal: Principal | null): void {
      const parsed = parseTopic(topic);
      if (!parsed) throw new AppError(400, 'unknown_topic', `unknown topic ${JSON.stringify(topic)}`);
      if (parsed.id === undefined) return;
      const notFound = new AppError(404, 'topic_not_found', `${parsed.kind} ${parsed.id} not found`);
      if (parsed.kind === 'session') {
        const owner = chats.ownerOf(parsed.id);
        if (owner === null || principal?.type !== 'user' || !canReadChat(principal, owner)) throw notFound;
        return;
      }
      const check = parsed.kind === 'execution' || parsed.kind === 'workflow' ? exists[parsed.kind] : undefined;
      if (check && !check.get(parsed.id)) {
        if (parsed.kind === 'execution' && pruned.wasPruned(parsed.id)) throw topicPruned({ topic, prunedThrough: null, lastSeq: 0 });
        throw notFound;
      }
    },
    /** Throws 410 `topic_pruned` when retention removed events after `after` (see journal/floors.ts). */
    assertReplayable: floors.assertReplayable,
  };
}

export type TopicAccess = ReturnType<typeof createTopicAccess>;

/**
 * An event's forms for the viewers who may not see all of it: without its chat's id, or without
 * anything (`data: {}`). Each depends on the event alone, so it is built once however many sockets
 * it goes to (and the live socket's frame cache keys on it).
 */
const unnamedForms = new WeakMap<JournalEventEnvelope, JournalEventEnvelope>();
const emptyForms = new WeakMap<JournalEventEnvelope, JournalEventEnvelope>();
function formOf(forms: WeakMap<JournalEventEnvelope, JournalEventEnvelope>, event: JournalEventEnvelope, data: () => unknown): JournalEventEnvelope {
  let form = forms.get(event);
  if (form === undefined) {
    form = { ...event, data: data() };
    forms.set(event, form);
  }
  return form;
}
const unnamed = (event: JournalEventEnvelope) => formOf(unnamedForms, event, () => ({ ...(event.data as object), sessionId: null }));
const emptied = (event: JournalEventEnvelope) => formOf(emptyForms, event, () => ({}));

/**
 * Events as one viewer may see them (a socket's or a request's). The `sessions` topic announces
 * every chat (`session.updated`, `session.deleted`); another person's chat keeps its place in the
 * sequence (so replay and gaps stay exact) but carries no data: no title, no id. So does an event
 * about a tool approval asked in a chat the viewer may not read it from (`tools`, the rule REST
 * lists by: approvals/tool-readers.ts), judged as the event shows it, on the `approvals` topic and on
 * its run's `execution:<id>` topic alike. An event naming the chat it came from (a run's `execution.updated`, `fix.updated`,
 * `proposal.updated`, a tool approval's) carries `sessionId: null` for a viewer who may not read
 * that chat (`chats`, see sessions/chat-visibility.ts); a chat's own topic needs no check, only its
 * readers follow it. Everything else is readable by whoever may read the topic, and goes out as
 * the same object.
 */
export function eventViewFor(principal: Principal | null, chats: ChatViewer, tools: ToolViewer): (event: JournalEventEnvelope) => JournalEventEnvelope {
  return (event) => {
    const data = event.data as { sessionId?: unknown; ownerId?: string; kind?: unknown } | null;
    // Most events name no chat: one property read and they go out whole (a tool approval without a chat is everyone's).
    const sessionId = data?.sessionId;
    if (typeof sessionId === 'string') {
      if (event.topic.startsWith(SESSION_TOPIC_PREFIX)) return event;
      // On every topic that carries it (`approvals`, its run's `execution:<id>`): the same rule as REST.
      if (data!.kind === 'tool' && !tools.mayRead(data as unknown as ToolApprovalFacts)) return emptied(event);
      return chats.mayShow(sessionId) ? event : unnamed(event);
    }
    if (event.topic !== SESSIONS_TOPIC || (event.type !== 'session.updated' && event.type !== 'session.deleted')) return event;
    // No ownerId: a chat from before people existed, or a `session.deleted` written before it named one: the owner's.
    const owner = data?.ownerId ?? OWNER_ID;
    if (principal?.type === 'user' && canReadChat(principal, owner)) return event;
    return emptied(event);
  };
}
