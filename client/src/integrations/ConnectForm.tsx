import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { issuesOf } from '../api/http';
import { describeError } from '../components/Panels';
import type { Integration } from '@weft/shared';
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
      return {
        provider,
        name,
        config: some({ apiBaseUrl: value(f, 'apiBaseUrl'), owner: value(f, 'owner'), repo: value(f, 'repo') }),
        credentials: { token: value(f, 'token') },
      };
    case 'slack': {
      const channels = value(f, 'channels')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
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
      const credentials = some({
        ...(Object.keys(env).length > 0 ? { env } : {}),
        ...(value(f, 'authorization') ? { headers: { authorization: value(f, 'authorization') } } : {}),
      });
      return { provider, name, config, ...(Object.keys(credentials).length > 0 ? { credentials } : {}) };
    }
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown, sep: string) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(sep) : '');

/** The form fields of a stored config (its non-secret part: the server never sends secrets back). */
export function fieldsFromConfig(provider: ProviderName, config: Record<string, unknown>): Fields {
  switch (provider) {
    case 'github':
      return { apiBaseUrl: text(config.apiBaseUrl), owner: text(config.owner), repo: text(config.repo) };
    case 'slack':
      return { apiBaseUrl: text(config.apiBaseUrl), defaultChannel: text(config.defaultChannel), channels: list(config.channels, ', ') };
    case 'mcp':
      return { command: text(config.command), args: list(config.args, ' '), url: text(config.url) };
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}

/** The PATCH body of an edit: the config always; the credentials only when a secret was typed (they replace all of them). */
export function editBody(provider: ProviderName, f: Fields): { config: Record<string, unknown>; credentials?: Record<string, unknown> } {
  const { config, credentials } = connectBody(provider, '', f) as { config: Record<string, unknown>; credentials?: Record<string, unknown> };
  const typed = FIELDS[provider].some((field) => field.secret && value(f, field.key) !== '');
  return typed && credentials !== undefined ? { config, credentials } : { config };
}

/**
 * Connect form, or (with `editing`) the form that changes an integration: one set of fields per
 * provider. Secrets are write-only: the server never sends them back, so editing shows them empty
 * and leaves the stored ones alone unless one is typed.
 */
export function ConnectForm({ onDone, editing }: { onDone: () => void; editing?: Integration }) {
  const queryClient = useQueryClient();
  const fieldId = useId();
  const [provider, setProvider] = useState<ProviderName>(editing?.provider ?? 'github');
  const [name, setName] = useState(editing?.name ?? '');
  const [fields, setFields] = useState<Fields>(() => (editing ? fieldsFromConfig(editing.provider, editing.config) : {}));
  const connect = useMutation({
    mutationFn: () =>
      editing ? integrationsApi.update(editing.name, editBody(provider, fields)) : integrationsApi.create(connectBody(provider, name.trim(), fields)),
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
    <form className="card" onSubmit={submit} aria-label={editing ? `Edit ${editing.name}` : 'Connect an integration'}>
      <div className="card__header">
        <strong>{editing ? `Edit ${editing.name}` : 'Connect an integration'}</strong>
      </div>
      <div className="card__body">
        <label className="field">
          <span className="field__label">Provider</span>
          <select
            className="input"
            aria-label="Provider"
            value={provider}
            disabled={editing !== undefined}
            onChange={(e) => setProvider(e.target.value as ProviderName)}
          >
            <option value="github">GitHub</option>
            <option value="slack">Slack</option>
            <option value="mcp">MCP server</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">Name</span>
          <input
            className="input"
            aria-label="Name"
            value={name}
            disabled={editing !== undefined}
            onChange={(e) => setName(e.target.value)}
            placeholder={provider}
            required
          />
          <span className="field__hint">Tools are named name:operation, e.g. {name || provider}:list_issues</span>
        </label>
        {FIELDS[provider].map((field) => (
          <label className="field" key={`${provider}-${field.key}`} htmlFor={`${fieldId}-${field.key}`}>
            <span className="field__label">{field.label}</span>
            {field.key === 'env' ? (
              <textarea
                id={`${fieldId}-${field.key}`}
                className="input"
                aria-label={field.label}
                value={fields[field.key] ?? ''}
                onChange={(e) => setFields({ ...fields, [field.key]: e.target.value })}
              />
            ) : (
              <input
                id={`${fieldId}-${field.key}`}
                className="input"
                aria-label={field.label}
                type={field.secret ? 'password' : 'text'}
                placeholder={field.secret && editing?.credentialFields.includes(field.key) ? 'stored (empty keeps it)' : undefined}
                autoComplete="off"
                value={fields[field.key] ?? ''}
                onChange={(e) => setFields({ ...fields, [field.key]: e.target.value })}
              />
            )}
            {field.hint !== undefined && <span className="field__hint">{field.hint}</span>}
          </label>
        ))}
        {editing !== undefined && (
          <p className="field__hint">
            Secrets are not shown. Leave them all empty to keep the stored ones; typing any replaces them all. Changing where it connects (API base URL, URL,
            command, arguments) needs the secrets again: stored ones are never sent to a new endpoint.
          </p>
        )}
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
            {editing ? (connect.isPending ? 'Saving…' : 'Save') : connect.isPending ? 'Connecting…' : 'Connect'}
          </button>
          <button type="button" className="btn" onClick={onDone}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}
