import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/http';
import { errorSentence } from '../lib/error-sentence';
import { NEW_PASSWORD_HINT, newPasswordProblem } from './new-password';
import { TextField } from './TextField';

/**
 * The state of a form that ends in choosing a password (owner setup, accepting an invite): the two
 * password fields, the error shown under them, and a submit that checks `before()` then the
 * password, saves, and shows what went wrong in words.
 */
export function useNewPasswordForm({
  before = () => null,
  save,
  errorOf = (caught) => (isApiError(caught) ? errorSentence(caught) : 'Saving failed. Try again.'),
}: {
  /** A problem with the form's other fields, checked first. */
  before?: () => string | null;
  save: (password: string) => Promise<void>;
  errorOf?: (caught: unknown) => string;
}) {
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = before() ?? newPasswordProblem(password, repeated);
    if (problem !== null) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await save(password);
    } catch (caught) {
      setError(errorOf(caught));
      setBusy(false);
    }
  };

  const fields = (
    <>
      <TextField label="Password" type="password" autoComplete="new-password" hint={NEW_PASSWORD_HINT} value={password} onChange={setPassword} />
      <TextField label="Repeat the password" type="password" autoComplete="new-password" value={repeated} onChange={setRepeated} error={error} />
    </>
  );
  return { submit, busy, fields };
}
