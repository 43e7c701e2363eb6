import { useState } from 'react';
import { setUpOwner } from '../api/people';
import { AuthCard } from './AuthCard';
import { TextField } from './TextField';
import { useNewPasswordForm } from './use-new-password-form';

/**
 * The first start: the printed link signed the owner in; before the app they choose their name,
 * email and password, so they (and the people they invite) can sign in without the access token.
 */
export function SetupPage({ onDone }: { onDone: () => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const { submit, busy, fields } = useNewPasswordForm({
    before: () => (name.trim() === '' ? 'Enter your name.' : email.trim() === '' ? 'Enter your email.' : null),
    save: async (password) => {
      await setUpOwner({ name: name.trim(), email: email.trim(), password });
      await onDone();
    },
  });

  return (
    <AuthCard
      title="Welcome to Weft"
      intro="You are the owner. Choose how you sign in from now on; the access token keeps working for scripts and as your recovery."
    >
      <form onSubmit={submit} noValidate aria-label="Set up the owner">
        <TextField label="Your name" autoComplete="name" value={name} onChange={setName} />
        <TextField label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} />
        {fields}
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? 'Saving…' : 'Continue'}
        </button>
      </form>
    </AuthCard>
  );
}
