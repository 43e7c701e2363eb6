import { INTEGRATIONS_TOPIC, excerpt, type Conversation, type ConversationResponse, type ConversationStatus } from '@weft/shared';
import { z } from 'zod';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import { defineTool, type ToolDefinition } from '../tools/tool';
import type { Clock } from '../clock';

type ConversationRow = {
  id: string;
  integration_id: string;
  integration_name: string;
  channel: string;
  thread_id: string;
  title: string;
  status: ConversationStatus;
  message_count: number;
  last_message_at: string;
  created_at: string;
  updated_at: string;
};

/** What `<integration>:store_messages` takes: the `messages` of a `list_messages` result. */
export const StoreMessagesArgs = z.strictObject({
  messages: z
    .array(
      z.object({
        id: z.string().min(1).max(300),
        channel: z.string().min(1).max(100),
        ts: z.string().min(1).max(50),
        threadTs: z.string().max(50).nullable().optional(),
        user: z.string().max(200).nullable().optional(),
        text: z.string().max(40_000),
        at: z.string().max(40).optional(),
      }),
    )
    .max(5000),
});
export type StoreMessagesArgs = z.infer<typeof StoreMessagesArgs>;

const view = (r: ConversationRow): Conversation => ({
  id: r.id,
  integration: r.integration_name,
  channel: r.channel,
  threadId: r.thread_id,
  title: r.title,
  status: r.status,
  messageCount: r.message_count,
  lastMessageAt: r.last_message_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = 'SELECT c.*, i.name AS integration_name FROM conversations c JOIN integrations i ON i.id = c.integration_id';

/**
 * The conversations store: messages synced from messaging integrations, one conversation per
 * channel thread (a top-level message and its replies). Storing is idempotent by message id, and a
 * new message reopens a closed conversation. Changes are journaled on topic `integrations`.
 */
export function createConversations({ db, journal, clock }: { db: Db; journal: Journal; clock: Clock }) {
  const s = {
    byKey: db.prepare<[string, string, string], ConversationRow>(`${SELECT} WHERE c.integration_id = ? AND c.channel = ? AND c.thread_id = ?`),
    byId: db.prepare<[string], ConversationRow>(`${SELECT} WHERE c.id = ?`),
    list: db.prepare<[{ status: string | null; integration: string | null; limit: number }], ConversationRow>(
      `${SELECT} WHERE (CAST(@status AS TEXT) IS NULL OR c.status = @status) AND (CAST(@integration AS TEXT) IS NULL OR i.name = @integration) ORDER BY c.last_message_at DESC, c.id DESC LIMIT @limit`,
    ),
    insert: db.prepare(
      `INSERT INTO conversations (id, integration_id, channel, thread_id, title, status, message_count, last_message_at, created_at, updated_at)
       VALUES (@id, @integrationId, @channel, @threadId, @title, 'open', 0, @at, @now, @now)`,
    ),
    insertMessage: db.prepare(
      'INSERT INTO conversation_messages (conversation_id, external_id, author, text, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    bump: db.prepare(
      `UPDATE conversations SET message_count = message_count + 1, last_message_at = CASE WHEN @at > last_message_at THEN @at ELSE last_message_at END, status = 'open', updated_at = @now WHERE id = @id`,
    ),
    setStatus: db.prepare('UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?'),
    setTitle: db.prepare('UPDATE conversations SET title = ? WHERE id = ?'),
    messages: db.prepare<[string], { external_id: string; author: string | null; text: string; at: string }>(
      'SELECT external_id, author, text, at FROM conversation_messages WHERE conversation_id = ? ORDER BY at, external_id',
    ),
  };

  function store({ integrationId, messages }: { integrationId: string; messages: StoreMessagesArgs['messages'] }) {
    const now = clock.now().toISOString();
    let stored = 0;
    const touched = new Set<string>();
    // Oldest first, so a thread's title is its opening message (lists arrive newest first).
    const ordered = [...messages].sort((a, b) => Number(a.ts) - Number(b.ts) || a.id.localeCompare(b.id));
    journal.transaction(() => {
      // Counted anew on each run: the journal reruns a transaction a deadlock aborted.
      stored = 0;
      touched.clear();
      for (const m of ordered) {
        const threadId = m.threadTs ?? m.ts;
        const at = m.at ?? now;
        let conversation = s.byKey.get(integrationId, m.channel, threadId);
        if (!conversation) {
          s.insert.run({ id: newId('conv'), integrationId, channel: m.channel, threadId, title: excerpt(m.text || `#${m.channel}`, 80), at, now });
          conversation = s.byKey.get(integrationId, m.channel, threadId)!;
        }
        if (s.insertMessage.run(conversation.id, m.id, m.user ?? null, m.text, at).changes === 1) {
          s.bump.run({ id: conversation.id, at, now });
          if (m.ts === threadId && m.text) s.setTitle.run(excerpt(m.text, 80), conversation.id);
          stored++;
          touched.add(conversation.id);
        }
      }
      for (const id of touched) journal.append(INTEGRATIONS_TOPIC, 'conversation.updated', view(s.byId.get(id)!));
    });
    return { received: messages.length, stored, conversations: touched.size };
  }

  return {
    store,
    list: (q: { status?: ConversationStatus | undefined; integration?: string | undefined; limit: number }): Conversation[] =>
      s.list.all({ status: q.status ?? null, integration: q.integration ?? null, limit: q.limit }).map(view),
    get(id: string): ConversationResponse {
      const row = s.byId.get(id);
      if (!row) throw notFound(`conversation ${id}`);
      return { ...view(row), messages: s.messages.all(id).map((m) => ({ id: m.external_id, author: m.author, text: m.text, at: m.at })) };
    },
    setStatus(id: string, status: ConversationStatus): Conversation {
      return journal.transaction(() => {
        if (!s.byId.get(id)) throw notFound(`conversation ${id}`);
        s.setStatus.run(status, clock.now().toISOString(), id);
        const updated = view(s.byId.get(id)!);
        journal.append(INTEGRATIONS_TOPIC, 'conversation.updated', updated);
        return updated;
      });
    },
    /** `<integration>:store_messages`: the message sync workflow's second step. */
    storeTool({ integrationName, integrationId }: { integrationName: string; integrationId: string }): ToolDefinition {
      return defineTool({
        name: `${integrationName}:store_messages`,
        description:
          'Store messages (the `messages` of list_messages) in the conversations store; already stored ones are skipped. Returns { received, stored, conversations }.',
        args: StoreMessagesArgs,
        effect: 'write',
        inWorkflows: 'allowed',
        run: (a) => store({ integrationId, messages: a.messages }),
      });
    },
  };
}

export type Conversations = ReturnType<typeof createConversations>;
