import type { Db } from '../db/open';

/**
 * The repository each step instance's templated git workspace resolved to (migration 025): bound by
 * the first credential its runner was given, so the instance cannot later have the token for
 * another repository on the same host. Deleted with its execution by retention.
 */
export function createGitRepoBindings(db: Db) {
  const s = {
    bind: db.prepare(
      `INSERT INTO execution_git_repos (execution_id, step_id, iteration_path, integration, url, bound_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (execution_id, step_id, iteration_path, integration) DO NOTHING`,
    ),
    get: db.prepare<[string, string, string, string], { url: string }>(
      'SELECT url FROM execution_git_repos WHERE execution_id = ? AND step_id = ? AND iteration_path = ? AND integration = ?',
    ),
  };
  return {
    /** Binds the instance to `url` unless it is bound already; answers the URL it is bound to. */
    bind(r: { executionId: string; stepId: string; iterationPath: string; integration: string; url: string; at: string }): string {
      s.bind.run(r.executionId, r.stepId, r.iterationPath, r.integration, r.url, r.at);
      return s.get.get(r.executionId, r.stepId, r.iterationPath, r.integration)!.url;
    },
  };
}

export type GitRepoBindings = ReturnType<typeof createGitRepoBindings>;
