import { GithubConfig, GithubCredentials } from '@weft/shared';
import { z } from 'zod';
import { joinUrl, requestJson, statusFailure } from './http';
import { fixedConnection, probe } from './fixed-connection';
import { DEFAULT_TIMEOUT_MS, ProviderError, defineOperation, type Connection, type Operation, type ProviderDefinition } from './types';

export const GITHUB_DEFAULT_API = 'https://api.github.com';

const Repo = { owner: z.string().min(1).max(100).optional(), repo: z.string().min(1).max(100).optional() };
const ListIssuesArgs = z.strictObject({
  ...Repo,
  state: z.enum(['open', 'closed', 'all']).optional(),
  labels: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(100).optional(),
});
const GetIssueArgs = z.strictObject({ ...Repo, number: z.number().int().min(1) });
const CreateCommentArgs = z.strictObject({ ...Repo, number: z.number().int().min(1), body: z.string().min(1).max(65_536) });

type Issue = {
  number: number;
  title: string;
  state: string;
  body?: string | null;
  html_url: string;
  user?: { login?: string } | null;
  labels?: ({ name?: string } | string)[];
  comments?: number;
  created_at: string;
  updated_at: string;
  pull_request?: unknown;
};

const issueView = (i: Issue, withBody: boolean) => ({
  number: i.number,
  title: i.title,
  state: i.state,
  ...(withBody ? { body: i.body ?? '' } : {}),
  url: i.html_url,
  author: i.user?.login ?? null,
  labels: (i.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
  comments: i.comments ?? 0,
  createdAt: i.created_at,
  updatedAt: i.updated_at,
  isPullRequest: i.pull_request !== undefined,
});

/** GitHub (or GitHub Enterprise: `apiBaseUrl` like `https://ghe.example.com/api/v3`) with a token. */
export const githubProvider: ProviderDefinition<GithubConfig, GithubCredentials> = {
  provider: 'github',
  configSchema: GithubConfig,
  credentialsSchema: GithubCredentials,
  credentialsRequired: true,
  connect({ config, credentials }): Connection {
    const base = config.apiBaseUrl ?? GITHUB_DEFAULT_API;
    const timeoutMs = DEFAULT_TIMEOUT_MS;

    async function call(method: string, path: string, signal: AbortSignal, body?: unknown) {
      if (!credentials) throw new ProviderError('auth', 'GitHub: no token stored');
      const what = `GitHub ${method} ${path.split('?')[0]}`;
      const res = await requestJson({
        url: joinUrl(base, path),
        method,
        headers: {
          authorization: `Bearer ${credentials.token}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'weft',
          'x-github-api-version': '2022-11-28',
        },
        body,
        signal,
        timeoutMs,
        what,
      });
      if (res.status < 400) return res.body;
      const detail = typeof (res.body as { message?: unknown })?.message === 'string' ? (res.body as { message: string }).message : undefined;
      // A 403 with the rate limit spent is "try later", not "bad token".
      if (res.status === 403 && detail && /rate limit/i.test(detail)) throw new ProviderError('unavailable', `${what}: rate limited`, 403);
      throw statusFailure(res.status, what, detail);
    }

    const repoOf = (a: { owner?: string | undefined; repo?: string | undefined }) => {
      const owner = a.owner ?? config.owner;
      const repo = a.repo ?? config.repo;
      if (!owner || !repo) throw new ProviderError('rejected', 'owner and repo are required (in the arguments or the integration config)');
      return `${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    };

    const operations: Operation[] = [
      defineOperation({
        name: 'list_issues',
        description: 'List issues of a repository (newest first): number, title, state, url, author, labels, comments.',
        args: ListIssuesArgs,
        effect: 'read',
        async run(a, signal) {
          const q = new URLSearchParams({ state: a.state ?? 'open', per_page: String(a.limit ?? 30), ...(a.labels ? { labels: a.labels } : {}) });
          const body = await call('GET', `/repos/${repoOf(a)}/issues?${q}`, signal);
          if (!Array.isArray(body)) throw new ProviderError('unavailable', 'GitHub: list_issues returned something other than a list');
          return { issues: (body as Issue[]).map((i) => issueView(i, false)) };
        },
      }),
      defineOperation({
        name: 'get_issue',
        description: 'Get one issue with its body.',
        args: GetIssueArgs,
        effect: 'read',
        async run(a, signal) {
          return issueView((await call('GET', `/repos/${repoOf(a)}/issues/${a.number}`, signal)) as Issue, true);
        },
      }),
      defineOperation({
        name: 'create_comment',
        description: 'Comment on an issue or pull request.',
        args: CreateCommentArgs,
        effect: 'write',
        async run(a, signal) {
          const c = (await call('POST', `/repos/${repoOf(a)}/issues/${a.number}/comments`, signal, { body: a.body })) as {
            id: number;
            html_url: string;
            created_at: string;
          };
          return { id: c.id, url: c.html_url, createdAt: c.created_at };
        },
      }),
    ];

    return fixedConnection(operations, (signal) => probe(() => call('GET', '/user', signal)));
  },
};
