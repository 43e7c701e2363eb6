import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/http';
import { signInWithPassword } from '../api/people';
import { errorSentence } from '../lib/error-sentence';
import { TextField } from './TextField';

/** The first way in: the email and password a person chose when they accepted their invite. */
export function PasswordSignInForm({ onSignedIn }: { onSignedIn?: () => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (email.trim() === '' || password === '') {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signInWithPassword({ email: email.trim(), password });
      // Everything fetched while signed out failed with 401: start over.
      await queryClient.resetQueries();
      onSignedIn?.();
    } catch (caught) {
      setError(
        isApiError(caught) && caught.status === 401
          ? 'That email and password do not match. Check them and try again.'
          : isApiError(caught)
            ? errorSentence(caught)
            : 'Signing in failed. Try again.',
      );
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Sign in with email and password">
      <TextField label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
      <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={error} />
      <button type="submit" className="btn btn--primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in with password'}
      </button>
    </form>
  );
}
