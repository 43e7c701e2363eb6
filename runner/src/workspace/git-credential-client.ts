import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerUrlSource } from '../connection/server-addresses';
import type { LeaseRef } from '../engine/types';
import { WorkspaceError, type GitCredentialSource } from './types';

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Asks the server for the credential of a git workspace's integration (`POST
 * /api/tools/git-credential`, runner credential, lease-checked). The server decides whether this
 * step may have it (its definition names the integration, the integration is a github one whose
 * host matches the url); the runner only passes the answer to that one git fetch.
 *
 * For a templated url the server also wants the step instance running in its journal, which learns
 * it from the `step.started` this runner sent over its socket: this HTTP request could overtake
 * that frame, so the client first waits until the server has acknowledged (stored) every event of
 * the lease so far. Should the server still answer 403 `step_instance_not_running`, it asks again
 * after each of `notRunningRetriesMs`; the last such refusal fails the attempt retriably (the step
 * retries per its policy), not for good. `signal` (the step's) ends every wait and the request.
 */
export function createGitCredentialClient({
  serverUrl,
  token,
  runnerId,
  leaseAttemptOf,
  whenAcked,
  notRunningRetriesMs = [250],
}: {
  /** The server the runner is connected to now: the one that acknowledged the lease's events. */
  serverUrl: ServerUrlSource;
  token: string;
  runnerId: string;
  leaseAttemptOf: (executionId: string) => number | undefined;
  /** True once the server has acknowledged everything the lease emitted so far; false if it never will (the lease was dropped). */
  whenAcked: (lease: LeaseRef, signal: AbortSignal) => Promise<boolean>;
  /** The waits before asking again while the server says the step instance is not running. */
  notRunningRetriesMs?: readonly number[];
}): GitCredentialSource {
  return async ({ integration, url, executionId, stepId, iterationPath, signal }) => {
    const leaseAttempt = leaseAttemptOf(executionId);
    if (leaseAttempt === undefined) throw new WorkspaceError(`this runner no longer holds execution ${executionId}`, 'lease_not_held');
    if (!(await whenAcked({ executionId, attempt: leaseAttempt }, signal)))
      throw new WorkspaceError(`the server refused the events of execution ${executionId} under this lease`, 'lease_not_held');
    const ask = async () => {
      const base = (await serverUrl(signal)).replace(/\/+$/, '');
      const res = await fetch(`${base}/api/tools/git-credential`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { executionId, stepId, iterationPath, runnerId, leaseAttempt }, integration, url }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      const body = (await res.json().catch(() => null)) as { username?: unknown; password?: unknown; error?: { message?: string; code?: string } } | null;
      return { res, body };
    };
    const notRunning = (res: Response, body: { error?: { code?: string } } | null) => res.status === 403 && body?.error?.code === 'step_instance_not_running';
    let { res, body } = await ask();
    for (const wait of notRunningRetriesMs) {
      if (!notRunning(res, body)) break;
      await sleep(wait, undefined, { signal });
      ({ res, body } = await ask());
    }
    if (notRunning(res, body)) {
      // Not a verdict on the credential: the server's journal does not (yet) have this step instance running.
      throw new WorkspaceError(
        `the server had not yet seen step ${stepId} start when asked for the credential of integration ${integration}: ${body?.error?.message ?? `HTTP ${res.status}`}`,
        'workspace_credential_failed',
      );
    }
    if (!res.ok) {
      throw new WorkspaceError(
        `the server refused the credential of integration ${integration}: ${body?.error?.message ?? `HTTP ${res.status}`}`,
        res.status >= 500 ? 'workspace_credential_failed' : 'workspace_credential_unavailable',
      );
    }
    if (typeof body?.username !== 'string' || typeof body.password !== 'string') {
      throw new WorkspaceError(`the server's answer for integration ${integration} holds no username and password`, 'workspace_credential_failed');
    }
    return { username: body.username, password: body.password };
  };
}
