import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { PlusIcon, SchedulesIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { SkeletonRows } from '../components/Skeleton';
import { integrationKeys, integrationsApi } from './api';
import { ConnectForm } from './ConnectForm';
import { IntegrationCard } from './IntegrationCard';
import { useGate } from '../auth/Gate';

/** Integrations: one card each, a connect form, and a link to what messaging integrations synced. */
export function IntegrationsPage() {
  const [connecting, setConnecting] = useState(false);
  const adminGate = useGate('admin');
  const integrations = useQuery({
    queryKey: integrationKeys.list(),
    queryFn: ({ signal }) => integrationsApi.list(signal),
    // While a check is under way, follow it.
    refetchInterval: (query) => (query.state.data?.some((i) => i.status === 'pending' || i.status === 'syncing') ? 2000 : false),
  });
  const connectButton = (
    <>
      <button type="button" className="btn btn--primary" onClick={() => setConnecting(true)} {...adminGate.props}>
        <PlusIcon />
        Connect
      </button>
      {adminGate.hint}
    </>
  );

  return (
    <div className="page">
      <title>Integrations · Weft</title>
      <PageHeader
        title="Integrations"
        subtitle={
          <>
            Services your workflows call as tools. <Link to="/integrations/conversations">Conversations</Link>
          </>
        }
        actions={connecting || integrations.data?.length === 0 ? undefined : connectButton}
      />
      {connecting && <ConnectForm onDone={() => setConnecting(false)} />}
      {integrations.isPending ? (
        <div className="card">
          <SkeletonRows label="Loading integrations" rows={3} />
        </div>
      ) : integrations.isError ? (
        <ErrorPanel
          error={integrations.error}
          title="Could not load integrations"
          onRetry={() => void integrations.refetch()}
          retrying={integrations.isFetching}
        />
      ) : integrations.data.length === 0 ? (
        connecting ? null : (
          <EmptyPanel icon={<SchedulesIcon />} title="No integrations yet" actions={connectButton}>
            Connect GitHub, Slack or any MCP server; their operations become tools your workflows and agents can call.
          </EmptyPanel>
        )
      ) : (
        // biome-ignore lint/a11y/useSemanticElements: not a <ul>: each card has its own <ul> (the workflows that need it), which nested in one would change look (circle bullets, no margins).
        <div role="list" aria-label="Integrations" style={{ display: 'grid', gap: 12 }}>
          {integrations.data.map((integration) => (
            <IntegrationCard key={integration.id} integration={integration} />
          ))}
        </div>
      )}
    </div>
  );
}
