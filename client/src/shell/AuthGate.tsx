import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { fetchHealth } from '../api/auth';
import { isApiError } from '../api/http';
import { ErrorPanel } from '../components/Panels';
import { SignInPage } from '../pages/SignInPage';
import { useAuthStatus } from '../store/auth-store';

export const healthKey = ['health'] as const;

/**
 * Shows its children only to a signed-in browser. The first load probes
 * /api/health; any later 401 from any request swaps in the sign-in page in
 * place, so signing in returns to the page the user was on.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const status = useAuthStatus();
  const health = useQuery({ queryKey: healthKey, queryFn: ({ signal }) => fetchHealth(signal), staleTime: Number.POSITIVE_INFINITY });

  if (status === 'signed-out') return <SignInPage reason="session" />;
  if (status === 'signed-in') return <>{children}</>;
  if (health.isError && !(isApiError(health.error) && health.error.status === 401)) {
    return (
      <main className="signin">
        <div className="signin__card">
          <ErrorPanel error={health.error} title="Cannot reach the Weft server" onRetry={() => void health.refetch()} retrying={health.isFetching} />
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
