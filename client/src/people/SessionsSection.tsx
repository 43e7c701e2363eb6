import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { peopleApi, peopleKeys } from '../api/people';
import { RelativeTime } from '../components/RelativeTime';
import { ErrorPanel } from '../components/Panels';
import { SkeletonRows } from '../components/Skeleton';

/** The browsers signed in as you: the current one marked, any other can be signed out from here. */
export function SessionsSection() {
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: peopleKeys.sessions, queryFn: ({ signal }) => peopleApi.sessions(signal) });
  const revoke = useMutation({
    mutationFn: (id: string) => peopleApi.revokeSession(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: peopleKeys.sessions }),
  });
  return (
    <section className="people-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p className="muted">Browsers signed in as you. Signing one out ends it at once.</p>
      {revoke.error !== null && <ErrorPanel title="Could not sign that session out" error={revoke.error} />}
      {sessions.isPending ? (
        <SkeletonRows label="Loading sessions" rows={2} />
      ) : sessions.isError ? (
        <ErrorPanel title="Could not load your sessions" error={sessions.error} onRetry={() => void sessions.refetch()} retrying={sessions.isFetching} />
      ) : sessions.data.sessions.length === 0 ? (
        <p className="muted">No browser is signed in as you (you are using a token).</p>
      ) : (
        <ul className="list card" aria-label="Sessions">
          {sessions.data.sessions.map((session) => (
            <li key={session.id} className="people-row">
              <div className="list__primary">
                <span className="list__title">
                  {session.userAgent ?? 'Unknown browser'} {session.current && <span className="chip chip--accent">This browser</span>}
                </span>
                <span className="list__desc">
                  Signed in <RelativeTime iso={session.createdAt} />, last seen <RelativeTime iso={session.lastSeenAt} />
                </span>
              </div>
              {!session.current && (
                <button type="button" className="btn btn--small" disabled={revoke.isPending} onClick={() => revoke.mutate(session.id)}>
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
