import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Integration } from '@weft/shared';
import { useState } from 'react';
import { Link } from 'react-router';
import { describeError } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { integrationKeys, integrationsApi } from './api';
import { ConnectForm } from './ConnectForm';
import { StatusBadge } from './StatusBadge';
import { runPath } from '../lib/paths';

const PROVIDER_TITLES: Record<Integration['provider'], string> = { github: 'GitHub', slack: 'Slack', mcp: 'MCP server' };

/** One integration: status with its reason, last check, tools, latest sync run and error; re-check, edit and delete. */
export function IntegrationCard({ integration }: { integration: Integration }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: integrationKeys.all });
  const check = useMutation({ mutationFn: () => integrationsApi.check(integration.name), onSettled: refresh });
  const remove = useMutation({ mutationFn: () => integrationsApi.remove(integration.name, true), onSuccess: refresh });
  const own = new Set(integration.provisioned.map((p) => p.workflowId));
  const users = integration.requiredBy.filter((w) => !own.has(w.id));
  const [editing, setEditing] = useState(false);

  if (editing) {
    return (
      // biome-ignore lint/a11y/useSemanticElements: an ARIA list item to match IntegrationsPage's ARIA list (why not <ul> is said there).
      <div role="listitem" aria-label={`Integration ${integration.name}`}>
        <ConnectForm editing={integration} onDone={() => setEditing(false)} />
      </div>
    );
  }

  return (
    // biome-ignore lint/a11y/useSemanticElements: an ARIA list item to match IntegrationsPage's ARIA list (why not <ul> is said there).
    <article className="card" role="listitem" aria-label={`Integration ${integration.name}`}>
      <div className="card__header">
        <span>
          <strong>{integration.name}</strong> <span className="muted">{PROVIDER_TITLES[integration.provider]}</span>
        </span>
        <StatusBadge status={integration.status} reason={integration.statusReason} />
      </div>
      <div className="card__body">
        <p className="muted">Last check: {integration.checkedAt ? <RelativeTime iso={integration.checkedAt} /> : 'not yet'}</p>
        <p>
          Tools:{' '}
          {integration.tools.length === 0 ? (
            <span className="muted">none yet</span>
          ) : (
            integration.tools.map((t) => (
              <span key={t} className="chip mono">
                {t}
              </span>
            ))
          )}
        </p>
        {integration.latestSyncExecutionId !== null && (
          <p>
            Latest sync: <Link to={runPath(integration.latestSyncExecutionId)}>{integration.latestSyncExecutionId}</Link>
          </p>
        )}
        {integration.lastSyncError !== null && (
          <p className="field__error" role="status">
            Last sync failed: {integration.lastSyncError}
          </p>
        )}
        {(check.isError || remove.isError) && (
          <p className="field__error" role="alert">
            {describeError(check.error ?? remove.error)}
          </p>
        )}
        {confirming ? (
          <div className="alert alert--warn" role="alertdialog" aria-label={`Delete ${integration.name}?`}>
            <div className="alert__body">
              {users.length > 0 ? (
                <>
                  {users.length} workflow{users.length === 1 ? '' : 's'} require{users.length === 1 ? 's' : ''} {integration.name} and will fail to start:
                  <ul>
                    {users.map((w) => (
                      <li key={w.id}>{w.name}</li>
                    ))}
                  </ul>
                </>
              ) : (
                <>Delete {integration.name}? Its synced conversations and provisioned workflows go with it.</>
              )}
              <div className="panel__actions">
                <button type="button" className="btn btn--danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
                  {users.length > 0 ? 'Delete anyway' : 'Delete'}
                </button>
                <button type="button" className="btn" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          </div>
        ) : (
          <div className="panel__actions">
            <button type="button" className="btn" onClick={() => check.mutate()} disabled={check.isPending}>
              {check.isPending ? 'Checking…' : 'Re-check'}
            </button>
            <button type="button" className="btn" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" className="btn btn--danger-ghost" onClick={() => setConfirming(true)}>
              Delete
            </button>
          </div>
        )}
      </div>
    </article>
  );
}
