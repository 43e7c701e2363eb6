import type { Message, MessagePart, MessageStatus } from '@weft/shared';
import type { Db } from '../db/open';

/** `owner_id` NULL: a chat from before people existed (the owner's); `owner_name` joined from users. */
export type SessionRow = { id: string; title: string; created_at: string; last_activity_at: string; owner_id: string | null; owner_name?: string | null };
export type MessageRow = {
  ord: number;
  id: string;
  session_id: string;
  role: Message['role'];
  parts: string;
  status: MessageStatus;
  delta_seq: number;
  meta: string | null;
  created_at: string;
  updated_at: string;
  execution_id: string | null;
  step_id: string | null;
  iteration_path: string | null;
  attempt: number | null;
  /** The server writing an assistant's reply while it streams (migration 029); null otherwise. */
  streamed_by: string | null;
};

export function rowToMessage(r: MessageRow): Message {
  const m: Message = {
    id: r.id,
    sessionId: r.session_id,
    role: r.role,
    parts: JSON.parse(r.parts) as MessagePart[],
    status: r.status,
    deltaSeq: r.delta_seq,
    createdAt: r.created_at,
  };
  if (r.execution_id !== null) m.executionId = r.execution_id;
  if (r.step_id !== null) m.stepId = r.step_id;
  if (r.iteration_path !== null) m.iterationPath = r.iteration_path;
  if (r.attempt !== null) m.attempt = r.attempt;
  if (r.meta !== null) m.meta = JSON.parse(r.meta) as Record<string, unknown>;
  return m;
}

export function createSessionsRepository(db: Db) {
  const s = {
    insertSession: db.prepare('INSERT INTO sessions (id, title, created_at, last_activity_at, owner_id) VALUES (?, ?, ?, ?, ?)'),
    getSession: db.prepare<[string], SessionRow>(
      "SELECT s.*, u.name AS owner_name FROM sessions s LEFT JOIN users u ON u.id = COALESCE(s.owner_id, 'owner') WHERE s.id = ?",
    ),
    // `?` NULL: every chat (an admin's list); else only that person's (NULL owner_id is the owner's).
    listSessions: db.prepare<[string | null, string | null], SessionRow & { running: number }>(
      `SELECT s.*, u.name AS owner_name,
         (SELECT COUNT(*) FROM executions e WHERE e.session_id = s.id AND e.status IN ('queued','running','waiting')) AS running
       FROM sessions s LEFT JOIN users u ON u.id = COALESCE(s.owner_id, 'owner')
       WHERE CAST(? AS TEXT) IS NULL OR COALESCE(s.owner_id, 'owner') = ?
       ORDER BY s.last_activity_at DESC, s.id DESC LIMIT 500`,
    ),
    running: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM executions WHERE session_id = ? AND status IN ('queued','running','waiting')"),
    touch: db.prepare('UPDATE sessions SET last_activity_at = ? WHERE id = ?'),
    rename: db.prepare('UPDATE sessions SET title = ? WHERE id = ?'),
    // A deleted chat's runs stay (with their history); they just no longer belong to a chat.
    detachExecutions: db.prepare('UPDATE executions SET session_id = NULL WHERE session_id = ?'),
    deleteMessages: db.prepare('DELETE FROM messages WHERE session_id = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
    streaming: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM messages WHERE session_id = ? AND status = 'streaming'"),
    streamingReplies: db.prepare<[string], { n: number }>(
      "SELECT COUNT(*) AS n FROM messages WHERE session_id = ? AND status = 'streaming' AND execution_id IS NULL",
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (id, session_id, role, parts, status, delta_seq, meta, created_at, updated_at, execution_id, step_id, iteration_path, attempt, streamed_by)
       VALUES (@id, @sessionId, @role, @parts, @status, @deltaSeq, @meta, @createdAt, @createdAt, @executionId, @stepId, @iterationPath, @attempt, @streamedBy)`,
    ),
    getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    // Once: whoever finalizes a message second (another server, a sweep of interrupted replies) changes nothing.
    finalizeMessage: db.prepare(
      "UPDATE messages SET parts = ?, delta_seq = ?, status = ?, meta = ?, updated_at = ?, streamed_by = NULL WHERE id = ? AND status = 'streaming'",
    ),
    updateStreaming: db.prepare(
      "UPDATE messages SET parts = ?, delta_seq = ?, meta = ?, updated_at = ? WHERE id = ? AND delta_seq <= ? AND status = 'streaming'",
    ),
    pageLatest: db.prepare<[string, number], MessageRow>('SELECT * FROM messages WHERE session_id = ? ORDER BY ord DESC LIMIT ?'),
    pageBefore: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND ord < ? ORDER BY ord DESC LIMIT ?'),
    streamingOfExecution: db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE execution_id = ? AND status = 'streaming'"),
    streamingRepliesAnywhere: db.prepare<[], { id: string; streamed_by: string | null }>(
      "SELECT id, streamed_by FROM messages WHERE status = 'streaming' AND execution_id IS NULL",
    ),
  };
  return {
    insertSession: (row: SessionRow) => s.insertSession.run(row.id, row.title, row.created_at, row.last_activity_at, row.owner_id),
    getSession: (id: string): SessionRow | null => s.getSession.get(id) ?? null,
    /** `ownerId` null: everyone's chats. */
    listSessions: (ownerId: string | null) => s.listSessions.all(ownerId, ownerId),
    runningExecutions: (id: string) => s.running.get(id)?.n ?? 0,
    touchSession: (id: string, at: string) => s.touch.run(at, id),
    renameSession: (id: string, title: string) => s.rename.run(title, id),
    streamingMessages: (id: string) => s.streaming.get(id)?.n ?? 0,
    /** The assistant's replies still being written in the chat (not a run's messages). */
    streamingReplies: (id: string) => s.streamingReplies.get(id)?.n ?? 0,
    deleteSession(id: string) {
      s.detachExecutions.run(id);
      s.deleteMessages.run(id);
      s.deleteSession.run(id);
    },
    /** `streamedBy`: the server writing the reply (assistant's replies only). */
    insertMessage: (m: Message, streamedBy: string | null = null) =>
      s.insertMessage.run({
        id: m.id,
        sessionId: m.sessionId,
        role: m.role,
        parts: JSON.stringify(m.parts),
        status: m.status,
        deltaSeq: m.deltaSeq,
        meta: m.meta ? JSON.stringify(m.meta) : null,
        createdAt: m.createdAt,
        executionId: m.executionId ?? null,
        stepId: m.stepId ?? null,
        iterationPath: m.iterationPath ?? null,
        attempt: m.attempt ?? null,
        streamedBy: m.status === 'streaming' ? streamedBy : null,
      }),
    getMessageRow: (id: string): MessageRow | null => s.getMessage.get(id) ?? null,
    /** A streaming message's final state; false when it was already final (finalized elsewhere meanwhile). */
    finalizeMessage: (m: Message, at: string): boolean =>
      s.finalizeMessage.run(JSON.stringify(m.parts), m.deltaSeq, m.status, m.meta ? JSON.stringify(m.meta) : null, at, m.id).changes === 1,
    /**
     * A streaming message's new text, only if the row is not past `storedSeq` (what this process
     * last stored or read): false when another server wrote it since, or finalized it.
     */
    updateStreaming: (m: Message, at: string, storedSeq: number): boolean =>
      s.updateStreaming.run(JSON.stringify(m.parts), m.deltaSeq, m.meta ? JSON.stringify(m.meta) : null, at, m.id, storedSeq).changes === 1,
    /** Newest `limit` messages before the cursor (by insertion order). */
    page(sessionId: string, beforeOrd: number | null, limit: number): MessageRow[] {
      return beforeOrd === null ? s.pageLatest.all(sessionId, limit) : s.pageBefore.all(sessionId, beforeOrd, limit);
    },
    streamingOfExecution: (executionId: string) => s.streamingOfExecution.all(executionId),
    /** Every assistant's reply still streaming, in any chat, with the server writing it. */
    streamingRepliesAnywhere: () => s.streamingRepliesAnywhere.all(),
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
