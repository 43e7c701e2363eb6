import './people.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role, UpdateUserRequest, User } from '@weft/shared';
import { peopleApi, peopleKeys } from '../api/people';
import { useCan, useMe } from '../auth/use-can';
import { PageHeader } from '../components/PageHeader';
import { ErrorPanel } from '../components/Panels';
import { SkeletonRows } from '../components/Skeleton';
import { grantableRoles, InviteForm } from './InviteForm';

function PersonRow({ user, myRole, onChange, busy }: { user: User; myRole: Role | undefined; onChange: (body: UpdateUserRequest) => void; busy: boolean }) {
  // Only an owner changes an owner (the server says so too).
  const locked = user.role === 'owner' && myRole !== 'owner';
  const why = locked ? 'Only an owner may change an owner.' : undefined;
  return (
    <li className="people-row">
      <div className="list__primary">
        <span className="list__title">
          {user.name} {user.disabled && <span className="chip chip--danger">Disabled</span>}
          {!user.hasPassword && !user.disabled && <span className="chip chip--warn">Invited</span>}
        </span>
        <span className="list__desc">{user.email ?? 'no email yet'}</span>
      </div>
      <select
        className="input input--small"
        aria-label={`Role of ${user.name}`}
        value={user.role}
        disabled={locked || busy}
        title={why}
        onChange={(event) => onChange({ role: event.target.value as Role })}
      >
        {(locked ? [user.role] : grantableRoles(myRole)).map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="button" className="btn btn--small" disabled={locked || busy} title={why} onClick={() => onChange({ disabled: !user.disabled })}>
        {user.disabled ? `Enable ${user.name}` : `Disable ${user.name}`}
      </button>
    </li>
  );
}

/** `/settings/people`, for admins: everyone here, invites, roles, disabling. */
export function PeoplePage() {
  const can = useCan('admin');
  const me = useMe();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: peopleKeys.users, queryFn: ({ signal }) => peopleApi.users(signal), enabled: can.allowed });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserRequest }) => peopleApi.update(id, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: peopleKeys.users }),
  });
  return (
    <div className="page">
      <title>People · Weft</title>
      <PageHeader title="People" subtitle="Who may sign in to this Weft, and what their role lets them do." />
      {!can.allowed ? (
        <div className="alert alert--warn" role="alert">
          <div className="alert__body">{can.reason}</div>
        </div>
      ) : (
        <>
          <section className="people-section" aria-labelledby="invite-heading">
            <h2 id="invite-heading">Invite someone</h2>
            <InviteForm myRole={me?.role} />
          </section>
          <section className="people-section" aria-labelledby="people-heading">
            <h2 id="people-heading">Everyone</h2>
            {update.error !== null && <ErrorPanel title="Could not change that person" error={update.error} />}
            {users.isPending ? (
              <SkeletonRows label="Loading people" rows={3} />
            ) : users.isError ? (
              <ErrorPanel title="Could not load people" error={users.error} onRetry={() => void users.refetch()} retrying={users.isFetching} />
            ) : (
              <ul className="list card" aria-label="People">
                {users.data.users.map((user) => (
                  <PersonRow key={user.id} user={user} myRole={me?.role} busy={update.isPending} onChange={(body) => update.mutate({ id: user.id, body })} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
