import { QueryClient } from '@tanstack/react-query';
import { isApiError } from './http';

/**
 * Client errors (4xx) are answers, not glitches: only network failures and 5xx are retried. Nor is
 * an abort (a request of a sign-in that ended, store/person-scope.ts): asking again changes nothing.
 */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof DOMException && error.name === 'AbortError') return false;
  if (isApiError(error) && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 5_000, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}
