import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type Role, ROLES } from '@weft/shared';
import { useId, useState, type FormEvent } from 'react';
import { isApiError } from '../api/http';
import { peopleApi, peopleKeys } from '../api/people';
import { TextField } from '../auth/TextField';
import { errorSentence } from '../lib/error-sentence';
import { CopyButton } from '../triggers/CopyButton';

/** Roles this person may hand out: only an owner makes owners. */
export const grantableRoles = (myRole: Role | undefined): Role[] => ROLES.filter((role) => role !== 'owner' || myRole === 'owner');

/** Invites someone: the answer is a one-time link (7 days) to send them, shown here to copy. */
export function InviteForm({ myRole }: { myRole: Role | undefined }) {
  const queryClient = useQueryClient();
  const roleId = useId();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [error, setError] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: () => peopleApi.invite({ name: name.trim(), email: email.trim(), role }),
    onSuccess: () => {
      setName('');
      setEmail('');
      void queryClient.invalidateQueries({ queryKey: peopleKeys.users });
    },
    onError: (caught) => setError(isApiError(caught) ? errorSentence(caught) : 'Inviting failed. Try again.'),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '' || email.trim() === '') return setError('Enter their name and email.');
    setError(null);
    invite.mutate();
  };
  return (
    <form className="people-form card" onSubmit={submit} noValidate aria-label="Invite someone">
      <TextField label="Name" value={name} onChange={setName} />
      <TextField label="Email" type="email" value={email} onChange={setEmail} />
      <div className="field">
        <label className="field__label" htmlFor={roleId}>
          Role
        </label>
        <select id={roleId} className="input" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {grantableRoles(myRole).map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      {error !== null && (
        <span className="field__error" role="alert">
          {error}
        </span>
      )}
      <div>
        <button type="submit" className="btn btn--primary" disabled={invite.isPending}>
          {invite.isPending ? 'Inviting…' : 'Invite'}
        </button>
      </div>
      {invite.data && (
        <div className="alert alert--info" role="status">
          <div className="alert__body">
            <p>Send {invite.data.user.name} this link. It works once, for 7 days.</p>
            <div className="people-secret">
              <code className="mono">{invite.data.inviteUrl}</code>
              <CopyButton text={invite.data.inviteUrl} label="Copy link" />
            </div>
          </div>
        </div>
      )}
    </form>
  );
}
