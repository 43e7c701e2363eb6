import { useQuery, useQueryClient } from '@tanstack/react-query';
import { DEFAULT_RETURN_PATH } from '@weft/shared';
import { useNavigate, useParams } from 'react-router';
import { isApiError } from '../api/http';
import { acceptInvite, fetchInvite, peopleKeys } from '../api/people';
import { errorSentence } from '../lib/error-sentence';
import { AuthCard } from './AuthCard';
import { useNewPasswordForm } from './use-new-password-form';

/** Why an invite link does not work, in words. */
function linkProblem(error: unknown): string {
  if (isApiError(error) && error.status === 410) return 'This invite link has expired: links work for 7 days. Ask whoever invited you for a new one.';
  if (isApiError(error) && error.status === 404)
    return 'This invite link is not valid, or it has already been used. If you set your password already, sign in.';
  return isApiError(error) ? errorSentence(error) : 'This invite link could not be checked. Try again.';
}

/** `/invite/<code>`, outside the sign-in gate: greets the invited person, takes their password, signs them in. */
export function InvitePage() {
  const { code = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invite = useQuery({ queryKey: peopleKeys.invite(code), queryFn: ({ signal }) => fetchInvite(code, signal), retry: false });
  const { submit, busy, fields } = useNewPasswordForm({
    save: async (password) => {
      await acceptInvite({ code, password });
      await queryClient.resetQueries();
      await navigate(DEFAULT_RETURN_PATH, { replace: true });
    },
    errorOf: (caught) =>
      isApiError(caught) && (caught.status === 404 || caught.status === 410)
        ? linkProblem(caught)
        : isApiError(caught)
          ? errorSentence(caught)
          : 'Saving failed. Try again.',
  });

  if (invite.isPending) {
    return (
      <AuthCard title="Your invitation">
        <p aria-busy="true">Checking the link…</p>
      </AuthCard>
    );
  }
  if (invite.isError) {
    return (
      <AuthCard title="Your invitation">
        <div className="alert alert--warn" role="alert">
          <div className="alert__body">{linkProblem(invite.error)}</div>
        </div>
        <a className="btn" href="/signin">
          Go to sign-in
        </a>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title={`Welcome, ${invite.data.name}`}
      intro={`You were invited to Weft${invite.data.email ? ` as ${invite.data.email}` : ''}. Choose a password to sign in with.`}
    >
      <form onSubmit={submit} noValidate aria-label="Choose a password">
        {fields}
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Set password and sign in'}
        </button>
      </form>
    </AuthCard>
  );
}
