import type { Notifier } from '../steps/notify';
import type { RunnerSession } from './session';

/**
 * A notify step's delivery through the runner socket, naming the lease this runner holds on the
 * execution (the server refuses a notify for a lease that is not the runner's).
 */
export function createSessionNotifier({
  session,
  leaseAttemptOf,
}: {
  session: Pick<RunnerSession, 'notify'>;
  leaseAttemptOf: (executionId: string) => number | undefined;
}): Notifier {
  return async (request, signal) => {
    const attempt = leaseAttemptOf(request.executionId);
    if (attempt === undefined) throw Object.assign(new Error(`this runner no longer holds execution ${request.executionId}`), { code: 'lease_not_held' });
    signal.throwIfAborted();
    return session.notify({ ...request, attempt });
  };
}
