import './sign-in.css';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { signIn } from '../api/auth';
import { isApiError } from '../api/http';
import { errorSentence } from '../lib/error-sentence';
import { AuthCard } from './AuthCard';
import { PasswordSignInForm } from './PasswordSignInForm';
import { SingleSignOn } from './SingleSignOn';

export type SignInReason = 'link' | 'session' | undefined;

/**
 * How to get in: an email and password first; then the owner's ways, the one-time link the server
 * printed or the access token pasted here (posted to /auth/login). All set the session cookie.
 */
export function SignInPage({ reason, onSignedIn }: { reason?: SignInReason; onSignedIn?: () => void }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim();
    if (trimmed === '') {
      setError('Paste the access token first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(trimmed);
      // Everything fetched while signed out failed with 401: start over.
      await queryClient.resetQueries();
      onSignedIn?.();
    } catch (caught) {
      setError(isApiError(caught) && caught.status === 401 ? 'That token is not valid. Check it and try again.' : describe(caught));
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Sign in" intro="This Weft server only answers people it knows: sign in with your email and password.">
      {reason === 'link' && (
        <div className="alert alert--warn" role="alert">
          <div className="alert__body">
            That sign-in link has already been used or is not valid. Each link works once; the server prints a new one every time it starts.
          </div>
        </div>
      )}
      {reason === 'session' && (
        <div className="alert alert--info" role="status">
          <div className="alert__body">This browser is not signed in, or its session has ended.</div>
        </div>
      )}

      <PasswordSignInForm onSignedIn={onSignedIn} />
      <SingleSignOn />

      <h2 className="signin__divider">Use the access token</h2>
      <ol>
        <li>
          Open the sign-in link the server printed when it started, like <code>http://127.0.0.1:8787/login?code=…</code>. It signs this browser in and works
          once.
        </li>
        <li>
          Or paste the access token below. It is kept in <code>&lt;data dir&gt;/token</code> (by default <code>./data/token</code>), or is the value of{' '}
          <code>WEFT_TOKEN</code> if you set one.
        </li>
      </ol>

      <form onSubmit={submit} noValidate>
        <div className="field">
          <label className="field__label" htmlFor={inputId}>
            Access token
          </label>
          <input
            id={inputId}
            className="input mono"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={error !== null}
            aria-describedby={error !== null ? `${hintId} ${errorId}` : hintId}
          />
          <span id={hintId} className="field__hint">
            Signing in starts a session: this browser keeps a random session id in an HttpOnly cookie, never the token itself.
          </span>
          {error !== null && (
            <span id={errorId} className="field__error" role="alert">
              {error}
            </span>
          )}
        </div>
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}

function describe(error: unknown): string {
  return isApiError(error) ? errorSentence(error) : 'Signing in failed. Try again.';
}
