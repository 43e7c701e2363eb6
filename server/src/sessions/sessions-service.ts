import {
  applyMessageDelta,
  BackPointers,
  DeltaError,
  SESSIONS_TOPIC,
  sessionTopic,
  type Message,
  type MessageDelta,
  type MessagePart,
  type MessageStatus,
  type Session,
} from '@weft/shared';
import type { Db } from '../db/open';
import { newId } from '../db/ids';
import { AppError, notFound } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Clock } from '../clock';
import { createBackPointerValidator } from './back-pointers';
import { ownerOf } from './session-access';
import { createSessionsRepository, type MessageRow, rowToMessage, type SessionRow } from './sessions-repository';

/** The title a chat has until it is named (by its first request, or by the person). */
export const DEFAULT_SESSION_TITLE = 'New chat';

type Live = {
  message: Message;
  /**
   * The row's `delta_seq` as this process last stored or read it. A row past it was written by
   * another server (a runner that failed over goes on streaming the turn there): what is held here
   * is stale, and is read again from the row rather than written over it. Other writers only move
   * the row forward, from where they read it.
   */
  storedSeq: number;
  buffer: MessageDelta[];
  bufferedBytes: number;
  timer: NodeJS.Timeout | null;
  flushed: { promise: Promise<void>; resolve: () => void } | null;
};

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** Merges a delta into the previous one when both extend the same part, so a burst of tokens is one write. */
function coalesce(buffer: MessageDelta[], delta: MessageDelta): void {
  const last = buffer[buffer.length - 1];
  if (last && last.partIndex === delta.partIndex) {
    if (last.op.kind === 'append_text' && delta.op.kind === 'append_text') {
      buffer[buffer.length - 1] = { ...last, deltaSeq: delta.deltaSeq, op: { kind: 'append_text', text: last.op.text + delta.op.text } };
      return;
    }
    if (last.op.kind === 'append_tool_input' && delta.op.kind === 'append_tool_input') {
      buffer[buffer.length - 1] = { ...last, deltaSeq: delta.deltaSeq, op: { kind: 'append_tool_input', json: last.op.json + delta.op.json } };
      return;
    }
  }
  buffer.push(delta);
}

/**
 * Sessions and their messages, including streamed ones: deltas are applied in memory at once,
 * persisted and fanned out together every `coalesceMs` (or sooner past `coalesceBytes`), so clients
 * only ever see committed text and a completed message holds exactly what they saw.
 */
export function createSessionsService({
  db,
  journal,
  clock,
  coalesceMs = 40,
  coalesceBytes = 16 * 1024,
}: {
  db: Db;
  journal: Journal;
  clock: Clock;
  coalesceMs?: number;
  coalesceBytes?: number;
}) {
  const repo = createSessionsRepository(db);
  const validateBackPointers = createBackPointerValidator(db);
  const live = new Map<string, Live>();

  const toSession = (row: SessionRow, running: number): Session => ({
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    runningExecutions: running,
    ownerId: ownerOf(row),
    ...(row.owner_name ? { ownerName: row.owner_name } : {}),
  });

  const requireSession = (id: string) => {
    const row = repo.getSession(id);
    if (!row) throw notFound(`session ${id}`);
    return row;
  };

  /** Drops what this process holds of a message; its unstored deltas go with it. */
  function forget(messageId: string): void {
    const state = live.get(messageId);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    state.flushed?.resolve();
    live.delete(messageId);
  }

  /** The message as `row` has it, held from now on (in place of anything held before). */
  function holdRow(row: MessageRow): Live {
    forget(row.id);
    const message = rowToMessage(row);
    if (message.status !== 'streaming') throw new AppError(409, 'message_finalized', `message ${row.id} is already ${message.status}`);
    const state: Live = { message, storedSeq: message.deltaSeq, buffer: [], bufferedBytes: 0, timer: null, flushed: null };
    live.set(row.id, state);
    return state;
  }

  function loadLive(messageId: string): Live {
    const state = live.get(messageId);
    if (state) return state;
    const row = repo.getMessageRow(messageId);
    if (!row) throw notFound(`message ${messageId}`);
    return holdRow(row);
  }

  /**
   * What is held of the message unless another server moved the row past it, else the row. (A row
   * behind it is this process's own write rolled back: what is held still has that text.)
   */
  function current(row: MessageRow): Live {
    const held = live.get(row.id);
    return held && row.delta_seq <= held.storedSeq ? held : holdRow(row);
  }

  /**
   * Stores and fans out the buffered deltas. False when the row moved on without this process
   * (another server wrote the turn, or finalized it): nothing is written and the message is
   * forgotten here, to be read again from the row.
   */
  function flush(state: Live): boolean {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    const waiting = state.flushed;
    state.flushed = null;
    let stored = true;
    if (state.buffer.length > 0) {
      const deltas = state.buffer;
      state.buffer = [];
      state.bufferedBytes = 0;
      stored = journal.transaction(() => {
        if (!repo.updateStreaming(state.message, clock.now().toISOString(), state.storedSeq)) return false;
        for (const d of deltas) journal.append(sessionTopic(state.message.sessionId), 'message.delta', d);
        return true;
      });
      if (stored) state.storedSeq = state.message.deltaSeq;
      else forget(state.message.id);
    }
    waiting?.resolve();
    return stored;
  }

  function createMessage(input: {
    sessionId: string;
    role: Message['role'];
    parts?: MessagePart[];
    status?: 'streaming' | 'complete';
    backPointers?: BackPointers;
    meta?: Record<string, unknown>;
    /** The server writing it (`servers.id`): an assistant's reply, finished as interrupted if that server goes. */
    streamedBy?: string;
  }): Message {
    const now = clock.now().toISOString();
    return journal.transaction(() => {
      requireSession(input.sessionId);
      let bp: BackPointers | undefined;
      if (input.backPointers) {
        const parsed = BackPointers.safeParse(input.backPointers);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new AppError(422, 'invalid_back_pointer', `${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
        }
        bp = parsed.data;
        validateBackPointers(input.sessionId, bp);
      }
      const message: Message = {
        id: newId('msg'),
        sessionId: input.sessionId,
        role: input.role,
        parts: input.parts ?? [],
        status: input.status ?? 'streaming',
        deltaSeq: 0,
        createdAt: now,
        ...(bp ?? {}),
        ...(input.meta ? { meta: input.meta } : {}),
      };
      repo.insertMessage(message, input.streamedBy ?? null);
      repo.touchSession(input.sessionId, now);
      journal.append(sessionTopic(input.sessionId), 'message.created', message);
      return message;
    });
  }

  return {
    /** `ownerId`: the person whose chat it is (null or left out: the owner's). */
    createSession({ title, ownerId = null }: { title?: string | undefined; ownerId?: string | null }): Session {
      const now = clock.now().toISOString();
      const row: SessionRow = { id: newId('ses'), title: title ?? DEFAULT_SESSION_TITLE, created_at: now, last_activity_at: now, owner_id: ownerId };
      return journal.transaction(() => {
        repo.insertSession(row);
        const session = toSession(requireSession(row.id), 0);
        journal.append(SESSIONS_TOPIC, 'session.updated', session);
        return session;
      });
    },

    getSession(id: string): Session {
      const row = requireSession(id);
      return toSession(row, repo.runningExecutions(id));
    },

    renameSession({ id, title }: { id: string; title: string }): Session {
      return journal.transaction(() => {
        requireSession(id);
        repo.renameSession(id, title);
        const session = toSession(requireSession(id), repo.runningExecutions(id));
        journal.append(SESSIONS_TOPIC, 'session.updated', session);
        return session;
      });
    },

    /**
     * Deletes a chat and its messages; its runs stay, without a chat. Refused (409 `session_busy`)
     * while a run of it is active or a message is still streaming: those would write into it.
     */
    deleteSession(id: string): void {
      journal.transaction(() => {
        const row = requireSession(id);
        const active = repo.runningExecutions(id);
        if (active > 0) {
          throw new AppError(
            409,
            'session_busy',
            `this chat has ${active} run${active === 1 ? '' : 's'} in progress: cancel ${active === 1 ? 'it' : 'them'} or let ${active === 1 ? 'it' : 'them'} finish, then delete the chat`,
            {
              runningExecutions: active,
            },
          );
        }
        if (repo.streamingMessages(id) > 0)
          throw new AppError(409, 'session_busy', 'a reply in this chat is still being written: stop it, then delete the chat');
        repo.deleteSession(id);
        // Its person, so the event goes only to who may read the chat (journal/topics.ts).
        journal.append(SESSIONS_TOPIC, 'session.deleted', { id, ownerId: ownerOf(row) });
      });
    },

    /** Every assistant's reply still being written, in any chat, and the server writing it (null: recorded before migration 029). */
    streamingRepliesAnywhere(): { id: string; streamedBy: string | null }[] {
      return repo.streamingRepliesAnywhere().map((r) => ({ id: r.id, streamedBy: r.streamed_by }));
    },

    /** The assistant's replies in the chat still being written, by whichever server writes them. */
    streamingReplies(sessionId: string): number {
      return repo.streamingReplies(sessionId);
    },

    /** The chats `ownerId` owns; with null, everyone's (an admin's view). */
    listSessions({ ownerId }: { ownerId: string | null }): Session[] {
      return repo.listSessions(ownerId).map((r) => toSession(r, r.running));
    },

    listMessages({ sessionId, before, limit }: { sessionId: string; before?: string | undefined; limit: number }) {
      requireSession(sessionId);
      let beforeOrd: number | null = null;
      if (before !== undefined) {
        const cursor = repo.getMessageRow(before);
        if (!cursor || cursor.session_id !== sessionId) throw new AppError(400, 'bad_request', `before: message ${before} is not in this session`);
        beforeOrd = cursor.ord;
      }
      const rows = repo.page(sessionId, beforeOrd, limit + 1);
      const hasMore = rows.length > limit;
      const pageRows = rows.slice(0, limit).reverse();
      // Unflushed text of a streaming message is not served: clients get it through the journal.
      return {
        messages: pageRows.map(rowToMessage),
        nextBefore: hasMore ? pageRows[0]!.id : null,
        lastSeq: journal.lastSeq(sessionTopic(sessionId)),
      };
    },

    getMessage(id: string): Message {
      const row = repo.getMessageRow(id);
      if (!row) throw notFound(`message ${id}`);
      return rowToMessage(row);
    },

    createMessage,

    /** Applies one delta; `applied: false` for a duplicate (same or lower deltaSeq). */
    appendDelta(delta: MessageDelta): { applied: boolean } {
      let state = loadLive(delta.messageId);
      if (delta.deltaSeq > state.message.deltaSeq + 1) {
        // Not a gap if the turn went on through another server meanwhile (its runner failed over and back).
        const row = repo.getMessageRow(delta.messageId);
        if (!row) throw notFound(`message ${delta.messageId}`);
        state = current(row);
      }
      if (delta.deltaSeq > state.message.deltaSeq + 1) {
        throw new AppError(409, 'delta_gap', `deltaSeq ${delta.deltaSeq} skips ${state.message.deltaSeq + 1}`);
      }
      let result: { message: Message; applied: boolean };
      try {
        result = applyMessageDelta(state.message, delta);
      } catch (err) {
        if (err instanceof DeltaError) throw new AppError(422, 'invalid_delta', err.message);
        throw err;
      }
      if (!result.applied) return { applied: false };
      state.message = result.message;
      coalesce(state.buffer, delta);
      state.bufferedBytes += JSON.stringify(delta.op).length;
      if (state.bufferedBytes >= coalesceBytes) flush(state);
      else if (!state.timer) state.timer = setTimeout(() => flush(state), coalesceMs);
      return { applied: true };
    },

    /** Resolves once everything appended so far is committed. */
    whenFlushed(messageId: string): Promise<void> {
      const state = live.get(messageId);
      if (!state || state.buffer.length === 0) return Promise.resolve();
      state.flushed ??= deferred();
      return state.flushed.promise;
    },

    completeMessage({
      messageId,
      status,
      finishReason,
      meta,
    }: {
      messageId: string;
      status: Exclude<MessageStatus, 'streaming'>;
      finishReason?: string;
      meta?: Record<string, unknown>;
    }): Message {
      /** Finalizing twice with the same status is harmless; changing a final status is not. */
      const asFinal = (final: MessageRow): Message => {
        if (final.status === status) return rowToMessage(final);
        throw new AppError(409, 'message_finalized', `message ${messageId} is already ${final.status}`);
      };
      const row = repo.getMessageRow(messageId);
      if (!row) throw notFound(`message ${messageId}`);
      if (row.status !== 'streaming') return asFinal(row);
      // Another server may have written the turn since this process last did: the row is the truth.
      let state = current(row);
      if (!flush(state)) state = loadLive(messageId);
      // Forgotten once this ends: inside a transaction the journal reruns (a deadlock aborted it,
      // e.g. a run's end that abandons its messages), the rerun needs the text not yet stored.
      const letGo = () => forget(messageId);
      journal.afterCommit(letGo, letGo);
      const closedStatus = status === 'complete' ? 'succeeded' : 'canceled';
      const parts: MessagePart[] = state.message.parts.map((p) =>
        p.type === 'tool_call' && (p.status === 'running' || p.status === 'waiting')
          ? { ...p, status: closedStatus === 'succeeded' ? 'canceled' : closedStatus }
          : p,
      );
      const reason = finishReason ?? (status === 'complete' ? undefined : status);
      if (reason !== undefined) parts.push({ type: 'finish', reason });
      const final: Message = { ...state.message, parts, status, ...(meta ? { meta: { ...(state.message.meta ?? {}), ...meta } } : {}) };
      const now = clock.now().toISOString();
      const finalized = journal.transaction(() => {
        // Finalized elsewhere since it was read (another server's sweep of interrupted replies): that ending stands.
        if (!repo.finalizeMessage(final, now)) return false;
        repo.touchSession(final.sessionId, now);
        journal.append(sessionTopic(final.sessionId), 'message.completed', { messageId, status, message: final });
        return true;
      });
      if (!finalized) {
        const ended = repo.getMessageRow(messageId);
        if (!ended) throw notFound(`message ${messageId}`);
        return asFinal(ended);
      }
      return final;
    },

    /** A finished message in one step: notify steps and system notes. */
    postMessage(input: { sessionId: string; role?: Message['role']; text: string; backPointers?: BackPointers; meta?: Record<string, unknown> }): Message {
      return createMessage({
        sessionId: input.sessionId,
        role: input.role ?? 'system',
        parts: [{ type: 'text', text: input.text }],
        status: 'complete',
        ...(input.backPointers ? { backPointers: input.backPointers } : {}),
        ...(input.meta ? { meta: input.meta } : {}),
      });
    },

    /** Finalizes messages left streaming (after a crash, or for an attempt that was superseded). */
    abandonStreaming({ executionId, status }: { executionId: string; status: 'canceled' | 'error' }): Message[] {
      return repo.streamingOfExecution(executionId).map((row) => this.completeMessage({ messageId: row.id, status }));
    },

    /** Persists all buffered deltas (shutdown). */
    flushAll(): void {
      for (const state of [...live.values()]) flush(state);
    },

    /**
     * Stores what is buffered of the streaming messages `which` picks, and lets them go: the runner
     * feeding them left this server (it may go on through another; if it comes back, they are read
     * again from their rows).
     */
    release(which: (message: Message) => boolean): void {
      for (const state of [...live.values()]) {
        if (!which(state.message)) continue;
        flush(state);
        forget(state.message.id);
      }
    },

    /** Ids of the streaming messages this process holds in memory (their text, their unstored deltas). */
    held(): string[] {
      return [...live.keys()];
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
