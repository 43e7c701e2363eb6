import { GithubConfig, GithubCredentials } from '@weft/shared';
import { AppError } from '../http/errors';
import { credentialOwner } from './connections';
import { CredentialsError, type CredentialBox } from './credentials';
import type { IntegrationsRepository } from './integrations-repository';
import { GITHUB_DEFAULT_API } from './providers/github';

/**
 * The web host git clones from for a GitHub integration: `github.com` for the default API, or the
 * host of a GitHub Enterprise API base (`https://ghe.example.com/api/v3` → `ghe.example.com`, and
 * `https://api.acme.ghe.com` → `acme.ghe.com`).
 */
export function githubWebHost(apiBaseUrl: string | undefined): string {
  const host = new URL(apiBaseUrl ?? GITHUB_DEFAULT_API).host.toLowerCase();
  return host.startsWith('api.') ? host.slice('api.'.length) : host;
}

/**
 * The token of a GitHub integration for one https clone URL on its own host, or a 403 whose code
 * says why not. The URL is hostile input: no other scheme, host, port or embedded credentials.
 */
export function createGitCredentials({ repo, box }: { repo: IntegrationsRepository; box: CredentialBox }) {
  return {
    forUrl({ integration, url }: { integration: string; url: string }): { username: string; password: string; integrationId: string } {
      const row = repo.byName(integration);
      if (!row) throw new AppError(403, 'integration_not_found', `integration: no integration named ${JSON.stringify(integration)}`);
      if (row.provider !== 'github')
        throw new AppError(403, 'integration_not_github', `integration: ${integration} is a ${row.provider} integration, not github`);
      if (row.credentials === null) throw new AppError(403, 'no_token', `integration: ${integration} has no token stored`);
      const config = GithubConfig.safeParse(JSON.parse(row.config));
      const host = githubWebHost(config.success ? config.data.apiBaseUrl : undefined);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new AppError(403, 'url_not_allowed', 'url: not a URL');
      }
      if (parsed.protocol !== 'https:') throw new AppError(403, 'url_not_allowed', 'url: only https clone URLs get a credential');
      if (parsed.username !== '' || parsed.password !== '') throw new AppError(403, 'url_not_allowed', 'url: must not carry credentials of its own');
      if (parsed.host.toLowerCase() !== host) {
        throw new AppError(403, 'url_not_allowed', `url: ${integration}'s token is only for https://${host}/, not ${parsed.host}`);
      }
      let opened: unknown;
      try {
        opened = box.open(row.credentials, credentialOwner(row.id));
      } catch (err) {
        if (err instanceof CredentialsError) throw new AppError(403, 'no_token', `integration: ${integration}'s stored token cannot be read (${err.message})`);
        throw err;
      }
      const credentials = GithubCredentials.safeParse(opened);
      if (!credentials.success) throw new AppError(403, 'no_token', `integration: ${integration} has no token stored`);
      return { username: 'x-access-token', password: credentials.data.token, integrationId: row.id };
    },
  };
}

export type GitCredentials = ReturnType<typeof createGitCredentials>;
