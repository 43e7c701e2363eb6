import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ROLE_SCOPES, SCOPE_MEANING, type Scope } from '@weft/shared';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/http';
import { peopleApi, peopleKeys } from '../api/people';
import { useMe } from '../auth/use-can';
import { TextField } from '../auth/TextField';
import { ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { errorSentence } from '../lib/error-sentence';
import { CopyButton } from '../triggers/CopyButton';

/** A new token is shown once, right after it was made: the server keeps only its hash. */
function NewTokenForm() {
  const me = useMe();
  const queryClient = useQueryClient();
  // Scopes of the role, not of this credential: the server allows what the role holds.
  const mine = me ? ROLE_SCOPES[me.role] : [];
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [error, setError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => peopleApi.createToken({ name: name.trim(), scopes }),
    onSuccess: () => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: peopleKeys.tokens });
    },
    onError: (caught) => setError(isApiError(caught) ? errorSentence(caught) : 'Creating the token failed.'),
  });
  const toggle = (scope: Scope, on: boolean) => setScopes((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return setError('Name the token, for example after the script that will use it.');
    if (scopes.length === 0) return setError('Choose at least one permission.');
    setError(null);
    create.mutate();
  };
  if (me?.via === 'pat') return <p className="muted">A personal access token cannot create tokens: sign in to make one.</p>;
  return (
    <form className="people-form card" onSubmit={submit} noValidate>
      <TextField label="Token name" value={name} onChange={setName} />
      <fieldset className="people-form__scopes">
        <legend>Permissions (at most your role’s)</legend>
        {mine.map((scope) => (
          <label key={scope} className="checkbox" title={SCOPE_MEANING[scope]}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} />
            {scope}
          </label>
        ))}
      </fieldset>
      {error !== null && (
        <span className="field__error" role="alert">
          {error}
        </span>
      )}
      <div>
        <button type="submit" className="btn btn--primary" disabled={create.isPending}>
          Create token
        </button>
      </div>
      {create.data && (
        <div className="alert alert--info" role="status">
          <div className="alert__body">
            <p>Copy the token now: it is shown only once.</p>
            <div className="people-secret">
              <code className="mono">{create.data.token}</code>
              <CopyButton text={create.data.token} label="Copy token" />
            </div>
          </div>
        </div>
      )}
    </form>
  );
}

/** Personal access tokens for scripts: make one with some of your permissions, revoke any. */
export function TokensSection() {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: peopleKeys.tokens, queryFn: ({ signal }) => peopleApi.tokens(signal) });
  const revoke = useMutation({
    mutationFn: (id: string) => peopleApi.revokeToken(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: peopleKeys.tokens }),
  });
  return (
    <section className="people-section" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Personal access tokens</h2>
      <p className="muted">
        For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>. A token never does more than your role allows.
      </p>
      <NewTokenForm />
      {revoke.error !== null && <ErrorPanel title="Could not revoke the token" error={revoke.error} />}
      {tokens.isPending ? (
        <SkeletonRows label="Loading tokens" rows={2} />
      ) : tokens.isError ? (
        <ErrorPanel title="Could not load your tokens" error={tokens.error} onRetry={() => void tokens.refetch()} retrying={tokens.isFetching} />
      ) : tokens.data.tokens.length === 0 ? (
        <p className="muted">You have no tokens.</p>
      ) : (
        <ul className="list card" aria-label="Tokens">
          {tokens.data.tokens.map((token) => (
            <li key={token.id} className="people-row">
              <div className="list__primary">
                <span className="list__title">{token.name}</span>
                <span className="list__desc">
                  {token.scopes.join(', ')} · made <RelativeTime iso={token.createdAt} />
                  {token.lastUsedAt ? (
                    <>
                      {' '}
                      · used <RelativeTime iso={token.lastUsedAt} />
                    </>
                  ) : (
                    ' · never used'
                  )}
                  {token.expiresAt && (
                    <>
                      {' '}
                      · expires <RelativeTime iso={token.expiresAt} />
                    </>
                  )}
                </span>
              </div>
              <button
                type="button"
                className="btn btn--small btn--danger-ghost"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate(token.id)}
                aria-label={`Revoke ${token.name}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
