import { WorkspaceError, type GitCredentialSource } from './types';

/**
 * Asks the server for the credential of a git workspace's integration (`POST
 * /api/tools/git-credential`, runner credential, lease-checked). The server decides whether this
 * step may have it (its definition names the integration, the integration is a github one whose
 * host matches the url); the runner only passes the answer to that one git fetch.
 *
 * For a templated url the server also wants the step instance running in its journal, which learns
 * it from the `step.started` this runner sent over its socket just before: should this request
 * overtake that frame, the answer is 403 `step_instance_not_running`, asked again after a short wait.
 */
export function createGitCredentialClient({
  serverUrl,
  token,
  runnerId,
  leaseAttemptOf,
  notRunningRetriesMs = [100, 200, 400, 800, 1600],
}: {
  serverUrl: string;
  token: string;
  runnerId: string;
  leaseAttemptOf: (executionId: string) => number | undefined;
  /** The waits before asking again while the server has not yet seen the step instance start. */
  notRunningRetriesMs?: readonly number[];
}): GitCredentialSource {
  const base = serverUrl.replace(/\/+$/, '');
  return async ({ integration, url, executionId, stepId, iterationPath }) => {
    const leaseAttempt = leaseAttemptOf(executionId);
    if (leaseAttempt === undefined) throw new WorkspaceError(`this runner no longer holds execution ${executionId}`, 'lease_not_held');
    const ask = async () => {
      const res = await fetch(`${base}/api/tools/git-credential`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { executionId, stepId, iterationPath, runnerId, leaseAttempt }, integration, url }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json().catch(() => null)) as { username?: unknown; password?: unknown; error?: { message?: string; code?: string } } | null;
      return { res, body };
    };
    let { res, body } = await ask();
    for (const wait of notRunningRetriesMs) {
      if (res.status !== 403 || body?.error?.code !== 'step_instance_not_running') break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      ({ res, body } = await ask());
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
