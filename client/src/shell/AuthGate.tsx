import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { fetchMe } from '../api/auth';
import { isApiError } from '../api/http';
import { ErrorPanel } from '../components/Panels';
import { SetupPage } from '../auth/SetupPage';
import { SignInPage } from '../auth/SignInPage';
import { useAuthStatus } from '../store/auth-store';

export const meKey = ['me'] as const;

/**
 * Shows its children only to a signed-in browser. The first load probes
 * /api/me; any later 401 from any request swaps in the sign-in page in
 * place, so signing in returns to the page the user was on.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const status = useAuthStatus();
  const me = useQuery({ queryKey: meKey, queryFn: ({ signal }) => fetchMe(signal), staleTime: Number.POSITIVE_INFINITY });

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
