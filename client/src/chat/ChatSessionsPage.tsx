import './chat.css';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { SESSIONS_TOPIC, Session, SessionDeleted } from '@weft/shared';
import { Link } from 'react-router';
import { topicHead } from '../api/events';
import { useTopic } from '../api/live-socket';
import { sessionKeys, sessionsApi } from '../api/sessions';
import { ChatIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { NewChatButton } from './NewChatButton';

const byActivity = (a: Session, b: Session) => (a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : 0);

/** `/chat`: every conversation, most recent activity first, live from the `sessions` topic. */
export function ChatSessionsPage() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: sessionKeys.list(),
    queryFn: async ({ signal }) => {
      const head = await topicHead(SESSIONS_TOPIC, signal);
      return { head, sessions: await sessionsApi.list(signal) };
    },
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  useTopic(
    SESSIONS_TOPIC,
    (event) => {
      if (event.type === 'session.deleted') {
        const deleted = SessionDeleted.safeParse(event.data);
        if (!deleted.success) return;
        queryClient.setQueryData<{ head: number; sessions: Session[] }>(sessionKeys.list(), (data) =>
          data === undefined ? data : { ...data, sessions: data.sessions.filter((s) => s.id !== deleted.data.id) },
        );
        return;
      }
      const parsed = Session.safeParse(event.data);
      if (!parsed.success) return;
      queryClient.setQueryData<{ head: number; sessions: Session[] }>(sessionKeys.list(), (data) =>
        data === undefined ? data : { ...data, sessions: [parsed.data, ...data.sessions.filter((s) => s.id !== parsed.data.id)].sort(byActivity) },
      );
    },
    { after: sessions.data?.head ?? 0, enabled: sessions.isSuccess },
  );

  return (
    <div className="page">
      <title>Chat · Weft</title>
      <PageHeader
        title="Chat"
        subtitle="Talk to the assistant about your workflows; runs started from a chat stream into it."
        // The empty panel carries the same button; one "New chat" per page.
        actions={sessions.data?.sessions.length === 0 ? undefined : <NewChatButton primary />}
      />
      {sessions.isPending ? (
        <div className="card">
          <SkeletonRows label="Loading chats" rows={4} columns={2} />
        </div>
      ) : sessions.isError ? (
        <ErrorPanel error={sessions.error} title="Could not load chats" onRetry={() => void sessions.refetch()} retrying={sessions.isFetching} />
      ) : sessions.data.sessions.length === 0 ? (
        <EmptyPanel icon={<ChatIcon />} title="No chats yet" actions={<NewChatButton primary />}>
          Start a chat to draft a workflow in plain words, or to watch a run step by step.
        </EmptyPanel>
      ) : (
        <div className="card sessions-list">
          <ul className="list" aria-label="Chats">
            {sessions.data.sessions.map((session) => (
              <li key={session.id}>
                <Link to={`/chat/${encodeURIComponent(session.id)}`} className="list__row list__row--link">
                  <span className="list__primary">
                    <span className="list__title">{session.title}</span>
                    <span className="list__desc muted">
                      Started <RelativeTime iso={session.createdAt} />
                    </span>
                  </span>
                  <span className="list__meta">
                    {session.runningExecutions > 0 ? <span className="chip chip--accent">{session.runningExecutions} running</span> : ''}
                  </span>
                  <span className="list__meta list__meta--right">
                    <RelativeTime iso={session.lastActivityAt} />
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
