import { parseIntegrationChannel, type NotifyDestination, type NotifyRequest } from '@weft/shared';
import type { Clock } from '../clock';
import type { LeaseGrace } from '../engine/lease-grace';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { PostToChannel } from '../integrations/channel-post';
import type { SessionsService } from '../sessions/sessions-service';
import type { NotificationsRepository } from './notifications-repository';
import type { NotificationsService } from './notifications-service';

export type NotifyDeliveryDeps = {
  repo: NotificationsRepository;
  inbox: NotificationsService;
  journal: Journal;
  clock: Clock;
  /** The engine's lease rule after a start (lease-grace.ts), as every lease check asks it. */
  grace: LeaseGrace;
  executions: ExecutionsService;
  sessions: SessionsService;
  postToChannel: PostToChannel;
};

/**
 * Delivers a runner's `notify` and answers where it went, so the step's output is the truth:
 * a named channel through its integration; otherwise the run's chat session; otherwise the inbox.
 * The message key makes it idempotent: a resend or a retry gets the first delivery's answer.
 */
export function createNotifyDelivery({ repo, inbox, journal, clock, grace, executions, sessions, postToChannel }: NotifyDeliveryDeps) {
  /**
   * The runner must hold the lease it names, as for tool calls: a superseded runner cannot post. Right
   * after a restart a lease recorded before it holds through the engine's grace, as in lease-check.ts.
   */
  function requireLease({ runnerId, executionId, attempt }: { runnerId: string; executionId: string; attempt: number }) {
    const row = executions.repo.get(executionId);
    if (!row || !grace.holds(row, { runnerId, attempt }, clock.now().getTime()))
      throw new AppError(409, 'lease_not_held', `executionId: runner ${runnerId} holds no current lease (attempt ${attempt}) on execution ${executionId}`);
    return row;
  }

  return async function deliver({
    runnerId,
    request,
    signal,
  }: {
    runnerId: string;
    request: NotifyRequest;
    signal: AbortSignal;
  }): Promise<NotifyDestination[]> {
    const row = requireLease({ runnerId, executionId: request.executionId, attempt: request.attempt });
    const known = repo.deliveryOf({ executionId: request.executionId, key: request.key });
    if (known) return known as NotifyDestination[];
    const record = (delivered: NotifyDestination[]) => {
      repo.recordDelivery({ executionId: request.executionId, key: request.key, delivered, at: clock.now().toISOString() });
      return delivered;
    };

    if (request.channel !== undefined) {
      const target = parseIntegrationChannel(request.channel);
      if (!target) throw new AppError(422, 'invalid_channel', `channel: "${request.channel}" is not "<integration>:<channel>"`);
      await postToChannel({ ...target, text: request.message, signal });
      return journal.transaction(() => record([request.channel as NotifyDestination]));
    }

    return journal.transaction((): NotifyDestination[] => {
      if (row.session_id) {
        sessions.postMessage({
          sessionId: row.session_id,
          text: request.message,
          backPointers: {
            executionId: request.executionId,
            stepId: request.stepId,
            ...(request.iterationPath ? { iterationPath: request.iterationPath } : {}),
            attempt: request.stepAttempt,
          },
        });
        return record(['session']);
      }
      const workflowName = (executions.repo.definitionOf(row.workflow_id, row.workflow_version) as { name?: string } | null)?.name;
      inbox.add({
        executionId: request.executionId,
        workflowId: row.workflow_id,
        stepId: request.stepId,
        title: request.title || workflowName || 'Workflow',
        message: request.message,
        level: request.level,
      });
      return record(['inbox']);
    });
  };
}

export type NotifyDelivery = ReturnType<typeof createNotifyDelivery>;
