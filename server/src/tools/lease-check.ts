import type { Clock } from '../clock';
import type { LeaseGrace } from '../engine/lease-grace';
import type { ExecutionRow } from '../executions/executions-repository';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';

/**
 * The runner credential is shared by every runner, so it alone proves nothing about an execution:
 * the caller must name a lease the journal says it holds right now (same runner id, same attempt,
 * not expired). A runner that lost its lease, or names someone else's execution, is refused.
 * "Not expired" is the engine's own rule (lease-grace.ts): right after a restart a lease recorded
 * before it stays valid through the grace, so a runner reconnecting then may still call tools.
 */
export function assertLeaseHeld({
  context,
  executions,
  clock,
  grace,
}: {
  context: { executionId: string; runnerId?: string | undefined; leaseAttempt?: number | undefined };
  executions: ExecutionsService;
  clock: Clock;
  grace: LeaseGrace;
}): ExecutionRow {
  if (context.runnerId === undefined || context.leaseAttempt === undefined) {
    throw new AppError(403, 'lease_not_held', 'context.runnerId and context.leaseAttempt are required with the runner credential');
  }
  const row = executions.repo.get(context.executionId);
  if (row === null || !grace.holds(row, { runnerId: context.runnerId, attempt: context.leaseAttempt }, clock.now().getTime()))
    throw new AppError(
      403,
      'lease_not_held',
      `context.executionId: runner ${context.runnerId} holds no current lease (attempt ${context.leaseAttempt}) on execution ${context.executionId}`,
    );
  return row;
}
