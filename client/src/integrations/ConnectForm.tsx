import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { issuesOf } from '../api/http';
import { describeError } from '../components/Panels';
import { integrationKeys, integrationsApi, type ProviderName } from './api';

type Fields = Record<string, string>;

const FIELDS: { readonly [P in ProviderName]: { key: string; label: string; hint?: string; secret?: boolean }[] } = {
  github: [
    { key: 'apiBaseUrl', label: 'API base URL', hint: 'Empty for github.com; https://host/api/v3 for GitHub Enterprise' },
    { key: 'owner', label: 'Owner' },
    { key: 'repo', label: 'Repository' },
    { key: 'token', label: 'Token', secret: true },
  ],
  slack: [
    { key: 'apiBaseUrl', label: 'API base URL', hint: 'Empty for https://slack.com/api' },
    { key: 'defaultChannel', label: 'Default channel' },
    { key: 'channels', label: 'Channels to sync', hint: 'Comma separated channel ids' },
    { key: 'botToken', label: 'Bot token', secret: true },
    { key: 'webhookUrl', label: 'Incoming webhook URL', secret: true },
  ],
  mcp: [
    { key: 'command', label: 'Command (stdio)', hint: 'Leave empty to use a URL' },
    { key: 'args', label: 'Arguments', hint: 'Separated by spaces' },
    { key: 'url', label: 'URL (streamable HTTP)' },
    { key: 'authorization', label: 'Authorization header', secret: true },
    { key: 'env', label: 'Secret environment', hint: 'KEY=value, one per line', secret: true },
  ],
};

const value = (f: Fields, k: string) => (f[k] ?? '').trim();
const some = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined));

/** The request body a provider's form describes; empty fields are left out. */
export function connectBody(provider: ProviderName, name: string, f: Fields) {
  switch (provider) {
    case 'github':
      return { provider, name, config: some({ apiBaseUrl: value(f, 'apiBaseUrl'), owner: value(f, 'owner'), repo: value(f, 'repo') }), credentials: { token: value(f, 'token') } };
    case 'slack': {
      const channels = value(f, 'channels').split(',').map((c) => c.trim()).filter(Boolean);
      return {
        provider,
        name,
        config: some({ apiBaseUrl: value(f, 'apiBaseUrl'), defaultChannel: value(f, 'defaultChannel'), ...(channels.length > 0 ? { channels } : {}) }),
        credentials: some({ botToken: value(f, 'botToken'), webhookUrl: value(f, 'webhookUrl') }),
      };
    }
    case 'mcp': {
      const env = Object.fromEntries(
        value(f, 'env')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1)]),
      );
      const args = value(f, 'args').split(/\s+/).filter(Boolean);
      const config = value(f, 'command') ? some({ command: value(f, 'command'), ...(args.length > 0 ? { args } : {}) }) : some({ url: value(f, 'url') });
      const credentials = some({ ...(Object.keys(env).length > 0 ? { env } : {}), ...(value(f, 'authorization') ? { headers: { authorization: value(f, 'authorization') } } : {}) });
      return { provider, name, config, ...(Object.keys(credentials).length > 0 ? { credentials } : {}) };
    }
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}

/** Connect form: one set of fields per provider. Secrets are write-only: the server never sends them back. */
export function ConnectForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const [provider, setProvider] = useState<ProviderName>('github');
  const [name, setName] = useState('');
  const [fields, setFields] = useState<Fields>({});
  const connect = useMutation({
    mutationFn: () => integrationsApi.create(connectBody(provider, name.trim(), fields)),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: integrationKeys.all });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect.mutate();
  };
  const issues = issuesOf(connect.error);

  return (
    <form className="card" onSubmit={submit} aria-label="Connect an integration">
      <div className="card__header">
        <strong>Connect an integration</strong>
      </div>
      <div className="card__body">
        <label className="field">
          <span className="field__label">Provider</span>
          <select className="input" aria-label="Provider" value={provider} onChange={(e) => setProvider(e.target.value as ProviderName)}>
            <option value="github">GitHub</option>
            <option value="slack">Slack</option>
            <option value="mcp">MCP server</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">Name</span>
          <input className="input" aria-label="Name" value={name} onChange={(e) => setName(e.target.value)} placeholder={provider} required />
          <span className="field__hint">Tools are named name:operation, e.g. {name || provider}:list_issues</span>
        </label>
        {FIELDS[provider].map((field) => (
          <label className="field" key={`${provider}-${field.key}`}>
            <span className="field__label">{field.label}</span>
            {field.key === 'env' ? (
              <textarea className="input" aria-label={field.label} value={fields[field.key] ?? ''} onChange={(e) => setFields({ ...fields, [field.key]: e.target.value })} />
            ) : (
              <input
                className="input"
                aria-label={field.label}
                type={field.secret ? 'password' : 'text'}
                autoComplete="off"
                value={fields[field.key] ?? ''}
                onChange={(e) => setFields({ ...fields, [field.key]: e.target.value })}
              />
            )}
            {field.hint !== undefined && <span className="field__hint">{field.hint}</span>}
          </label>
        ))}
        {connect.isError && (
          <div className="alert alert--error" role="alert">
            <div className="alert__body">
              {describeError(connect.error)}
              {issues.length > 1 && (
                <ul>
                  {issues.map((i) => (
                    <li key={`${i.path}:${i.message}`}>
                      {i.path}: {i.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        )}
        <div className="panel__actions">
          <button type="submit" className="btn btn--primary" disabled={connect.isPending}>
            {connect.isPending ? 'Connecting…' : 'Connect'}
          </button>
          <button type="button" className="btn" onClick={onDone}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}
