import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ChatIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { integrationKeys, integrationsApi } from './api';

type Filter = 'open' | 'closed' | 'all';

/**
 * Conversations synced from messaging integrations. The "Connect a messaging integration" call to
 * action shows only once the server said there are no conversations at all (whatever the filter),
 * never while that is still loading.
 */
export function ConversationsPage() {
  const [filter, setFilter] = useState<Filter>('open');
  const any = useQuery({ queryKey: integrationKeys.anyConversation(), queryFn: ({ signal }) => integrationsApi.hasConversations(signal) });
  const list = useQuery({
    queryKey: integrationKeys.conversations(filter),
    queryFn: ({ signal }) => integrationsApi.conversations(filter, signal),
    enabled: any.data === true,
  });

  let body: ReactNode;
  if (any.isPending || (any.data === true && list.isPending)) {
    body = (
      <div className="card">
        <SkeletonRows label="Loading conversations" rows={4} />
      </div>
    );
  } else if (any.isError || list.isError) {
    const retry = () => void (any.isError ? any.refetch() : list.refetch());
    body = <ErrorPanel error={any.error ?? list.error} title="Could not load conversations" onRetry={retry} />;
  } else if (any.data === false) {
    body = (
      <EmptyPanel
        icon={<ChatIcon />}
        title="No conversations yet"
        actions={
          <Link to="/integrations" className="btn btn--primary">
            Connect a messaging integration
          </Link>
        }
      >
        Connect Slack with a bot token and the channels to follow; its messages are synced here every 15 minutes.
      </EmptyPanel>
    );
  } else if (list.data === undefined || list.data.length === 0) {
    body = <p className="muted">No {filter === 'all' ? '' : `${filter} `}conversations.</p>;
  } else {
    body = (
      <div className="card">
        <ul className="list" aria-label="Conversations">
          {list.data.map((c) => (
            <li key={c.id} className="list__row">
              <span className="list__primary">
                <span className="list__title">{c.title}</span>
                <span className="list__desc">
                  {c.integration} · #{c.channel} · {c.messageCount} message{c.messageCount === 1 ? '' : 's'}
                </span>
              </span>
              <span className={c.status === 'open' ? 'chip chip--accent' : 'chip'}>{c.status}</span>
              <span className="list__meta list__meta--right">
                <RelativeTime iso={c.lastMessageAt} />
              </span>
            </li>
          ))}
        </ul>
      </div>
    );
  }

  return (
    <div className="page">
      <title>Conversations · Weft</title>
      <PageHeader
        title="Conversations"
        subtitle="Messages synced from messaging integrations."
        actions={
          <fieldset aria-label="Status">
            {(['open', 'closed', 'all'] as const).map((f) => (
              <button key={f} type="button" className={f === filter ? 'btn btn--primary' : 'btn'} aria-pressed={f === filter} onClick={() => setFilter(f)}>
                {f}
              </button>
            ))}
          </fieldset>
        }
      />
      {body}
    </div>
  );
}
