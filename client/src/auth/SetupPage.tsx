import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/http';
import { setUpOwner } from '../api/people';
import { errorSentence } from '../lib/error-sentence';
import { AuthCard } from './AuthCard';
import { NEW_PASSWORD_HINT, newPasswordProblem } from './new-password';
import { TextField } from './TextField';

/**
 * The first start: the printed link signed the owner in; before the app they choose their name,
 * email and password, so they (and the people they invite) can sign in without the access token.
 */
export function SetupPage({ onDone }: { onDone: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = name.trim() === '' ? 'Enter your name.' : email.trim() === '' ? 'Enter your email.' : newPasswordProblem(password, repeated);
    if (problem !== null) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await setUpOwner({ name: name.trim(), email: email.trim(), password });
      await onDone();
    } catch (caught) {
      setError(isApiError(caught) ? errorSentence(caught) : 'Saving failed. Try again.');
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title="Welcome to Weft"
      intro="You are the owner. Choose how you sign in from now on; the access token keeps working for scripts and as your recovery."
    >
      <form onSubmit={submit} noValidate aria-label="Set up the owner">
        <TextField label="Your name" autoComplete="name" value={name} onChange={setName} />
        <TextField label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} />
        <TextField label="Password" type="password" autoComplete="new-password" hint={NEW_PASSWORD_HINT} value={password} onChange={setPassword} />
        <TextField label="Repeat the password" type="password" autoComplete="new-password" value={repeated} onChange={setRepeated} error={error} />
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? 'Saving…' : 'Continue'}
        </button>
      </form>
    </AuthCard>
  );
}
