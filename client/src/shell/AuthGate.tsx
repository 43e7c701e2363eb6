import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect } from 'react';
import { fetchMe } from '../api/auth';
import { isApiError } from '../api/http';
import { onCredentialChanged } from '../api/live-socket';
import { ErrorPanel } from '../components/Panels';
import { SetupPage } from '../auth/SetupPage';
import { SignInPage } from '../auth/SignInPage';
import { authStore, useAuthStatus } from '../store/auth-store';
import { resetOnSignOut, resetPersonState } from './person-state';

export const meKey = ['me'] as const;

/**
 * Shows its children only to a signed-in browser. The first load probes
 * /api/me; any later 401 from any request swaps in the sign-in page in
 * place, so signing in returns to the page the user was on.
 *
 * Signed out (by the button or by a 401), the person's state goes at once: the live socket, the
 * approvals store and every cached answer (some are never refetched, like the approvals feed), so
 * whoever signs in next in this tab sees nothing of theirs; their sign-in's scope ends first, so an
 * answer still on its way is dropped rather than put back (store/person-scope.ts). A live socket closed with 4401 (the
 * credential ended or the person's role changed) makes it ask /api/me again.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const status = useAuthStatus();
  const queryClient = useQueryClient();
  const me = useQuery({ queryKey: meKey, queryFn: ({ signal }) => fetchMe(signal), staleTime: Number.POSITIVE_INFINITY });
  useEffect(
    () =>
      resetOnSignOut(authStore, () => {
        resetPersonState();
        queryClient.clear();
      }),
    [queryClient],
  );
  useEffect(() => onCredentialChanged(() => void queryClient.invalidateQueries({ queryKey: meKey })), [queryClient]);

  if (status === 'signed-out') return <SignInPage reason="session" />;
  // The first start's owner chooses a name, email and password before anything else.
  if (me.data?.setupRequired) return <SetupPage onDone={() => me.refetch()} />;
  // Pages decide what to offer from the person (useCan): they wait for /api/me rather than guess.
  if (status === 'signed-in' && me.data !== undefined) return <>{children}</>;
  if (me.isError && me.data === undefined && !(isApiError(me.error) && me.error.status === 401)) {
    return (
      <main className="signin">
        <div className="signin__card">
          <ErrorPanel error={me.error} title="Cannot reach the Weft server" onRetry={() => void me.refetch()} retrying={me.isFetching} />
        </div>
      </main>
    );
  }
  return (
    <div className="splash" aria-busy="true">
      <span>Loading…</span>
    </div>
  );
}
