import { DeltaOp, MessagePart, type AgentMessageEvent } from '@weft/shared';
import { z } from 'zod';
import type { Db } from '../db/open';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { SessionsService } from '../sessions/sessions-service';

/**
 * Turns a runner's keyed `message` events (agent steps) into chat messages with back-pointers. The
 * key makes a resend find the same message; deltas carry their own sequence, so nothing is applied
 * twice. Notify steps do not come here: they ask for delivery (`notify`, see notifications/).
 */
export function createAgentMessages({ db, executions, sessions }: { db: Db; executions: ExecutionsService; sessions: SessionsService }) {
  const s = {
    find: db.prepare<[string, string], { message_id: string }>('SELECT message_id FROM message_keys WHERE execution_id = ? AND key = ?'),
    insert: db.prepare('INSERT INTO message_keys (execution_id, key, message_id) VALUES (?, ?, ?)'),
  };

  /** An execution started outside a chat gets a session of its own the first time it speaks. */
  function sessionFor(executionId: string): string {
    const row = executions.repo.get(executionId)!;
    if (row.session_id) return row.session_id;
    const def = executions.repo.definitionOf(row.workflow_id, row.workflow_version) as { name?: string } | null;
    // The chat is the person's who started the run (themselves or through the assistant); else the owner's.
    const byPerson = row.started_by_kind === 'user' || row.started_by_kind === 'assistant';
    const session = sessions.createSession({ title: `${def?.name ?? 'Workflow'} · ${executionId}`, ownerId: byPerson ? row.started_by_id : null });
    executions.repo.setSession(executionId, session.id);
    executions.events.executionUpdated(executionId);
    return session.id;
  }

  return {
    /**
     * The runner's socket to this server closed: the turns it streamed here are stored and let go,
     * so nothing stale is held if it goes on streaming them through another server.
     */
    releaseRunner(runnerId: string): void {
      sessions.release((m) => m.executionId !== undefined && executions.repo.get(m.executionId)?.lease_runner_id === runnerId);
    },
    apply({
      executionId,
      stepId,
      iterationPath,
      attempt,
      event,
    }: {
      executionId: string;
      stepId: string;
      iterationPath: string;
      attempt: number;
      event: AgentMessageEvent;
    }) {
      const existing = s.find.get(executionId, event.key)?.message_id;
      switch (event.op) {
        case 'create': {
          if (existing) return;
          const parts = z.array(MessagePart).safeParse(event.parts);
          if (!parts.success) throw new AppError(422, 'invalid_message', 'message parts are invalid');
          const message = sessions.createMessage({
            sessionId: sessionFor(executionId),
            role: event.role,
            parts: parts.data,
            backPointers: { executionId, stepId, ...(iterationPath ? { iterationPath } : {}), attempt },
            ...(event.meta ? { meta: event.meta } : {}),
          });
          s.insert.run(executionId, event.key, message.id);
          return;
        }
        case 'delta': {
          if (!existing) throw new AppError(422, 'invalid_message', `no message with key ${event.key}`);
          const op = DeltaOp.safeParse(event.delta);
          if (!op.success) throw new AppError(422, 'invalid_message', 'delta is invalid');
          const msg = sessions.getMessage(existing);
          if (msg.status !== 'streaming') return; // a resend after completion
          sessions.appendDelta({ messageId: existing, deltaSeq: event.deltaSeq, partIndex: event.partIndex, op: op.data });
          return;
        }
        case 'complete': {
          if (!existing) return; // nothing to complete (a resend for a message never created)
          sessions.completeMessage({
            messageId: existing,
            status: event.status,
            ...(event.finishReason ? { finishReason: event.finishReason } : {}),
            ...(event.meta ? { meta: event.meta } : {}),
          });
          return;
        }
        default: {
          const never: never = event;
          throw new Error(`unknown message op ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

export type AgentMessages = ReturnType<typeof createAgentMessages>;
